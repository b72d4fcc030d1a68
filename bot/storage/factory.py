"""Open the storage backend an operator configured: a SQLite file or a PostgreSQL URL.

Why one function: the bot, the CLI commands and the tools open storage in several
places; choosing the backend here keeps ``Database.open`` (and any driver) inside
:mod:`bot.storage`.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.storage.interface import Storage

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


async def open_storage(target: str | os.PathLike[str]) -> Storage:
    """Open (creating and migrating if needed) the database at ``target``."""
    if is_postgres_url(target):
        from bot.storage.postgres import PostgresDatabase

        return await PostgresDatabase.open(str(target))
    from bot.storage.sqlite import Database

    return await Database.open(Path(target))


def describe_target(target: str | os.PathLike[str]) -> str:
    """``target`` for a message: a file path, or a URL without its password."""
    if not is_postgres_url(target):
        return str(target)
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(str(target))
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))
