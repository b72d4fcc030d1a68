"""Open the storage backend an operator configured: a SQLite file or a PostgreSQL URL.

Why one function: the bot, the CLI commands and the tools open storage in several
places; choosing the backend here keeps ``Database.open`` (and any driver) inside
:mod:`bot.storage`.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.storage.interface import Storage
from bot.storage.targets import describe_target, is_postgres_url

__all__ = ["describe_target", "is_postgres_url", "open_storage"]


async def open_storage(target: str | os.PathLike[str], *, pool_size: int | None = None) -> Storage:
    """Open (creating and migrating if needed) the database at ``target``.

    ``pool_size``: the most connections to PostgreSQL (default 10); SQLite has one.
    """
    if is_postgres_url(target):
        from bot.storage.postgres import DEFAULT_POOL_SIZE, PostgresDatabase

        return await PostgresDatabase.open(str(target), pool_size=pool_size or DEFAULT_POOL_SIZE)
    from bot.storage.sqlite import Database

    return await Database.open(Path(target))
