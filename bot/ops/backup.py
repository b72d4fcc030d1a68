"""``hamroh db backup PATH``: an online copy of the database, checked after writing.

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

from bot.storage import open_storage
from bot.storage.backup_check import DamagedCopyError, check_sqlite_copy


class BackupError(RuntimeError):
    """The source is missing or the written copy failed its check."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    schema_version: int
    users: int


def backup_target(dest: Path, now: dt.datetime) -> Path:
    """``dest`` itself, or a time-stamped file inside it when ``dest`` is a folder."""
    if dest.is_dir():
        return dest / f"hamroh-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.sqlite3"
    return dest


def verify_copy(path: Path) -> BackupReport:
    """Open ``path`` read-only and check it; raises :class:`BackupError` if it is damaged."""
    try:
        facts = check_sqlite_copy(path)
    except DamagedCopyError as error:
        raise BackupError(str(error)) from error
    return BackupReport(path, path.stat().st_size, facts.schema_version, facts.users)


async def backup_database(db_path: Path, dest: Path, now: dt.datetime) -> BackupReport:
    """Copy the live database at ``db_path`` to ``dest`` (a file, or a folder) and check it."""
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path} (set HAMROH_DB_PATH)")
    target = backup_target(dest, now)
    if target.exists() and os.path.samefile(target, db_path):
        raise BackupError("the backup must not overwrite the database itself")
    database = await open_storage(db_path)
    try:
        written = await database.backup(target)
    finally:
        await database.close()
    return verify_copy(written)
