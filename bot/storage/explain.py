"""``hamroh run``'s database, opened or explained in one line for the operator.

The wording is :func:`bot.storage.errors.why_not_opened`, the one every command that
opens the database uses (the tools open it with ``open_existing_storage``, which never
makes a new file), so each says the same thing for the same file and none prints a
traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.storage.errors import why_not_opened
from bot.storage.factory import describe_target, open_storage
from bot.storage.interface import Storage


class StorageUnavailable(Exception):
    """The database cannot be opened; ``str()`` is one line for the operator."""


async def open_storage_or_explain(target: str | Path, pool_size: int | None = None) -> Storage:
    """Open the bot's database, or raise :class:`StorageUnavailable` with the reason."""
    try:
        return await open_storage(target, pool_size=pool_size)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        where = describe_target(target)
        raise StorageUnavailable(
            f"cannot open the database {where}: {why_not_opened(error)}"
        ) from None
