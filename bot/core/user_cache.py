"""Files kept between runs so that a start does not redo the same work.

Why: every ``hamroh run`` and ``hamroh rules check`` would otherwise parse the rule
files and compile the gettext catalogs again, a few hundred milliseconds of each start.
What is kept is derived data only (parsed rule files, compiled catalogs), each entry
named by the SHA-256 of what it was made from, so a changed source simply misses;
never anything about a person. The folder is ``$XDG_CACHE_HOME/hamroh/<kind>`` (or
``~/.cache/hamroh/<kind>``), created private to the user. A cache that cannot be read
or written is not used, and entries not used for a month are removed when a new one
is written, so edits of the rules do not pile up files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

MAX_AGE_SECONDS = 30 * 24 * 3600


def cache_folder(kind: str) -> Path | None:
    """The folder for one kind of entry (``None``: no home directory to keep it in)."""
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base else Path.home() / ".cache"
    except RuntimeError:  # no home directory
        return None
    return root / "hamroh" / kind


def entry_name(*parts: str | bytes) -> str:
    """A file name for the entry made from ``parts`` (their SHA-256)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def read_entry(kind: str, name: str) -> bytes | None:
    """The bytes kept under ``name``, or ``None`` when there are none or they cannot be read."""
    folder = cache_folder(kind)
    if folder is None:
        return None
    path = folder / name
    try:
        data = path.read_bytes()
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used: kept by the monthly clean-up
    return data


def write_entry(kind: str, name: str, data: bytes) -> None:
    """Keep ``data`` under ``name`` (atomically: a reader never sees half a file)."""
    folder = cache_folder(kind)
    if folder is None:
        return
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _remove_old_entries(folder)
        partial = folder / f"{name}.{os.getpid()}.tmp"
        partial.write_bytes(data)
        partial.replace(folder / name)


def _remove_old_entries(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
