"""Storage errors callers may want to handle."""

from __future__ import annotations

import sqlite3


class UnknownUserError(LookupError):
    """A write referenced a user that has no row (never started, or was deleted).

    Raised instead of the raw ``sqlite3.IntegrityError`` so handlers can react (e.g.
    a button pressed after ``/forget``) without depending on the SQLite driver.
    """

    def __init__(self, user_id: int) -> None:
        super().__init__(f"no such user: {user_id}")
        self.user_id = user_id


class StorageUnavailableError(RuntimeError):
    """The database cannot be reached or opened; the message names it (never a password)
    and the reason in one line, for an operator."""


class BackupWriteError(RuntimeError):
    """A backup could not be written where it was asked for (a folder that cannot be
    written, a full disk); the message names the file and the reason in one line. No
    half-written copy is left behind."""


def why_not_opened(error: BaseException) -> str:
    """What an operator should know about a database that did not open (no user data:
    SQLite's and the OS's messages name the problem, never a row)."""
    text = str(error).lower()
    if isinstance(error, sqlite3.DatabaseError) and "malformed" in text:
        return "the file is damaged (database disk image is malformed); restore a backup"
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in text:
        return "the file is not a SQLite database"
    if "readonly" in text or "read-only" in text:
        return "the file or its folder is read-only"
    if isinstance(error, PermissionError) or "unable to open" in text:
        return "the folder or the file is not writable"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error).splitlines()[0] if str(error) else type(error).__name__
