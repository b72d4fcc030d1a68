"""Open the storage backend an operator configured: a SQLite file or a PostgreSQL URL.

Why one function: the bot, the CLI commands and the tools open storage in several
places; choosing the backend here keeps ``Database.open`` (and any driver) inside
:mod:`bot.storage`.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.storage.errors import StorageUnavailableError, why_not_opened
from bot.storage.interface import Storage
from bot.storage.targets import describe_target, is_postgres_url

__all__ = [
    "cannot_open",
    "describe_target",
    "is_postgres_url",
    "open_existing_storage",
    "open_storage",
]


def cannot_open(target: str | os.PathLike[str], error: BaseException) -> str:
    """The one line every command says about a database that did not open: which one
    (never a password) and why (:func:`bot.storage.errors.why_not_opened`)."""
    return f"cannot open the database {describe_target(target)}: {why_not_opened(error)}"


async def open_storage(target: str | os.PathLike[str], *, pool_size: int | None = None) -> Storage:
    """Open (creating and migrating if needed) the database at ``target``.

    ``pool_size``: the most connections to PostgreSQL (default 10); SQLite has one.
    """
    if is_postgres_url(target):
        from bot.storage.postgres import DEFAULT_POOL_SIZE, PostgresDatabase

        return await PostgresDatabase.open(str(target), pool_size=pool_size or DEFAULT_POOL_SIZE)
    from bot.storage.sqlite import Database

    return await Database.open(Path(target))


async def open_existing_storage(
    target: str | os.PathLike[str], *, setting: str = "HAMROH_DB_PATH"
) -> Storage:
    """Open the database a command-line tool works on (``hamroh broadcast``, ``hamroh db``).

    Unlike :func:`open_storage` it never creates a SQLite file: a tool pointed at the
    wrong path must not write a broadcast into a new, empty database the bot never
    reads. Anything that stops it — no file, a file that is not a database or is
    damaged, a read-only one, PostgreSQL out of reach — is one
    :class:`StorageUnavailableError` line naming the database and the reason
    (``setting`` is the option to check for a wrong path).
    """
    if not is_postgres_url(target) and not Path(target).is_file():
        raise StorageUnavailableError(f"no database at {target} (check {setting})")
    try:
        return await open_storage(target)
    except StorageUnavailableError:
        raise
    except (OSError, sqlite3.Error, RuntimeError) as error:
        raise StorageUnavailableError(cannot_open(target, error)) from None
