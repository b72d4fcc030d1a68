"""Storage errors callers may want to handle."""

from __future__ import annotations


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
