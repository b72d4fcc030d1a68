"""Why the database did not open, in one line for the operator.

Every command that opens the database (``hamroh run``, ``hamroh db …``, ``hamroh
broadcast …``) says the same thing for the same file, and none prints a traceback.
SQLite's and the OS's messages name the problem, never a row, so they may be shown.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage.factory import describe_target, open_storage
from bot.storage.interface import Storage


class StorageUnavailable(Exception):
    """The database cannot be opened; ``str()`` is one line for the operator."""


def why_not(error: BaseException) -> str:
    """What an operator should know about a database that did not open."""
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


async def open_storage_or_explain(target: str | Path, pool_size: int | None = None) -> Storage:
    """Open the bot's database, or raise :class:`StorageUnavailable` with the reason."""
    try:
        return await open_storage(target, pool_size=pool_size)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        where = describe_target(target)
        raise StorageUnavailable(f"cannot open the database {where}: {why_not(error)}") from None
