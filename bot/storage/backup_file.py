"""A backup written beside its final name and renamed into place, for every backend.

Why: a crash, a full disk or a folder that cannot be written must never leave a
half-written copy under the name an operator will later restore from. The file is made
by ``mkstemp`` (owner-only), so a copy of everyone's answers is never readable by others
while it is written.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bot.storage.errors import BackupWriteError, why_not_opened


@contextlib.contextmanager
def written_into_place(dest: Path) -> Iterator[str]:
    """The path of a temporary file beside ``dest`` to write the backup into: renamed to
    ``dest`` when the block ends, removed if it fails. An ``OSError`` or SQLite error on
    the way is a :class:`BackupWriteError` naming ``dest`` and the reason in one line."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
        os.close(fd)
    except OSError as error:
        raise BackupWriteError(f"cannot write {dest}: {why_not_opened(error)}") from None
    try:
        yield tmp_name
        os.replace(tmp_name, dest)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(error, (OSError, sqlite3.Error)):
            raise BackupWriteError(f"cannot write {dest}: {why_not_opened(error)}") from None
        raise
