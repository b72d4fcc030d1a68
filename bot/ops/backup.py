"""``hamroh db backup PATH``: an online copy of the database, checked after writing.

On PostgreSQL (``HAMROH_DATABASE_URL``) the copy is ``pg_dump --format=custom``,
checked with ``pg_restore --list``; restore it with ``pg_restore --dbname URL FILE``.
The rest of this docstring is about the SQLite file.

Why the SQLite backup API (``Storage.backup``) and not ``cp``: the bot keeps
writing while the copy is made, and a plain file copy of a WAL database can catch
the main file and the ``-wal`` file at different moments. The backup API copies a
consistent snapshot page by page.

Why check the copy: a backup nobody can open is found out on the worst day. After
writing, the copy is opened read-only, ``PRAGMA quick_check`` must say ``ok``, and
its schema version and user count are reported.

The copy holds everyone's answers: it is created owner-only (0600), and a user
deleted later (``/forget``, retention) still exists in older copies, so rotate
backups within the retention period.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from bot.storage import (
    StorageUnavailableError,
    describe_target,
    is_postgres_url,
    open_existing_storage,
    open_storage,
)
from bot.storage.backup_check import DamagedCopyError, check_sqlite_copy
from bot.storage.errors import BackupWriteError


class BackupError(RuntimeError):
    """The source is missing or the written copy failed its check."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    schema_version: int
    users: int


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside the database while it is used."""


def backup_target(dest: Path | str, now: dt.datetime, suffix: str = ".sqlite3") -> Path:
    """``dest`` itself, or a time-stamped file inside it when ``dest`` is a folder
    (an existing one, or one written with a trailing ``/``: it is created)."""
    if str(dest).endswith(("/", os.sep)) or Path(dest).is_dir():
        return Path(dest) / f"hamroh-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{suffix}"
    return Path(dest)


def verify_copy(path: Path) -> BackupReport:
    """Open ``path`` read-only and check it; raises :class:`BackupError` if it is damaged."""
    try:
        facts = check_sqlite_copy(path)
    except DamagedCopyError as error:
        raise BackupError(str(error)) from error
    return BackupReport(path, path.stat().st_size, facts.schema_version, facts.users)


async def backup_database(db_path: Path | str, dest: Path | str, now: dt.datetime) -> BackupReport:
    """Copy the live database at ``db_path`` (a file or a PostgreSQL URL) to ``dest`` (a
    file, or a folder) and check it.

    ``dest`` may be the text the operator typed: a trailing ``/`` names a folder.
    """
    if isinstance(db_path, str) and is_postgres_url(db_path):
        return await _backup_postgres(db_path, dest, now)
    db_path = Path(db_path)
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path} (set HAMROH_DB_PATH)")
    target = backup_target(dest, now)
    _check_destination(target, db_path)
    try:
        database = await open_existing_storage(db_path)
    except StorageUnavailableError as error:
        raise BackupError(str(error)) from None
    try:
        written = await database.backup(target)
    except BackupWriteError as error:
        raise BackupError(str(error)) from None
    finally:
        await database.close()
    return verify_copy(written)


def _check_destination(target: Path, db_path: Path) -> None:
    """Refuse a destination that is the database, one of its companion files (the
    ``-wal`` log holds writes not yet in the file: replacing it loses them), or
    something that is not a file (a device, a folder given as a file)."""
    database = db_path.resolve()
    companions = [database, *(database.with_name(database.name + s) for s in SQLITE_COMPANIONS)]
    if target.resolve() in companions or (
        target.exists() and any(c.exists() and os.path.samefile(target, c) for c in companions)
    ):
        raise BackupError("the backup must not overwrite the database itself")
    if target.exists() and not target.is_file():
        raise BackupError(f"{target} exists and is not a file; give a new file or a folder")


async def _backup_postgres(url: str, dest: Path | str, now: dt.datetime) -> BackupReport:
    """``pg_dump`` through the backend, then ``pg_restore --list`` must read it."""
    from bot.storage.postgres._maintenance import check_pg_dump

    target = backup_target(dest, now, ".pgdump")
    try:
        database = await open_storage(url)
    except StorageUnavailableError as error:  # says which server and why, without the password
        raise BackupError(str(error)) from None
    except Exception as error:
        reason = f"cannot connect to {describe_target(url)} ({type(error).__name__})"
        raise BackupError(reason) from error
    try:
        version = await database.schema_version()
        users = await database.count_users()
        written = await database.backup(target)
    except RuntimeError as error:
        raise BackupError(str(error)) from error
    finally:
        await database.close()
    try:
        tables, _ = await check_pg_dump(written)
    except RuntimeError as error:
        raise BackupError(f"{written}: the copy cannot be read ({error})") from error
    if tables == 0:
        raise BackupError(f"{written}: the copy holds no tables")
    return BackupReport(written, written.stat().st_size, version, users)
