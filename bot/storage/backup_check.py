"""Check a written SQLite backup: it opens read-only, passes ``quick_check``, has a schema.

Why in storage: only the SQLite backend may talk to ``sqlite3``; ``hamroh db backup``
(:mod:`bot.ops.backup`) asks this module whether the copy it made is usable.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


class DamagedCopyError(RuntimeError):
    """The copy cannot be opened or fails its integrity check."""


@dataclass(frozen=True, slots=True)
class CopyFacts:
    """What a healthy copy holds."""

    schema_version: int
    users: int


def check_sqlite_copy(path: Path) -> CopyFacts:
    """Open ``path`` read-only and check it; raises :class:`DamagedCopyError`."""
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    try:
        with sqlite3.connect(uri, uri=True) as conn:
            (check,) = conn.execute("PRAGMA quick_check").fetchone()
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            (users,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
        conn.close()
    except sqlite3.Error as error:
        raise DamagedCopyError(
            f"{path}: the copy cannot be read ({type(error).__name__})"
        ) from error
    if check != "ok":
        raise DamagedCopyError(f"{path}: quick_check says {check!r}")
    return CopyFacts(int(version), int(users))
