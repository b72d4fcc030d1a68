"""The operator subcommands of ``hamroh``: ``health``, ``db backup``, ``db retention``,
``db restore``.

Kept out of ``bot/cli.py`` so that file stays a list of commands; each function
here is a thin adapter that reads settings from the environment (like ``hamroh
run``), does one thing and prints one line per fact. Heavy imports happen inside
the functions: ``hamroh health`` runs every minute as the Docker HEALTHCHECK.

Exit codes: 0 done/healthy, 1 unhealthy or failed (the reason on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from pathlib import Path
from typing import Any


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (``--max-age 0`` would be no limit or no
    heartbeat ever fresh enough: neither is what anyone means)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: write a number of seconds above 0")
    return value


def add_parsers(sub: Any) -> None:
    """Add ``health`` and ``db {backup,retention}`` to the ``hamroh`` subparsers."""
    health = sub.add_parser("health", help="exit 0 only if the running bot's heartbeat is fresh")
    health.add_argument(
        "--max-age", type=_seconds, help="seconds (default HAMROH_HEARTBEAT_MAX_AGE, 120)"
    )
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    backup = db_sub.add_parser("backup", help="online copy of the database, checked")
    backup.add_argument("path", help="backup file, or a folder for a time-stamped file")
    db_sub.add_parser("retention", help="delete inactive users and old send-queue rows once, now")
    restore = db_sub.add_parser(
        "restore",
        help="put a backup in place of the SQLite database (the bot stopped); the "
        "database that was there is kept",
    )
    restore.add_argument("backup", help="a file written by hamroh db backup")


def run_command(args: argparse.Namespace) -> int:
    """Dispatch ``health`` and ``db …``; returns the exit code."""
    from bot.settings import read_settings

    settings = read_settings()
    if args.command == "health":
        return health(settings, args.max_age)
    if args.db_command == "backup":
        return asyncio.run(backup(settings, args.path))  # the text: a trailing / is a folder
    if args.db_command == "retention":
        return asyncio.run(retention(settings))
    if args.db_command == "restore":
        return restore(settings, Path(args.backup))
    return 2


def restore(settings: Any, backup: Path) -> int:
    """``hamroh db restore BACKUP``: only with the bot stopped; see :mod:`bot.storage.restore`."""
    import datetime as dt

    from bot.ops.heartbeat import check_health
    from bot.storage.restore import RestoreError, restore_sqlite

    if settings.database_url is not None:
        print(
            "hamroh db restore: on PostgreSQL use pg_restore --dbname URL FILE into an empty "
            "database (README, 'Several instances on PostgreSQL')",
            file=sys.stderr,
        )
        return 2
    running = check_health(settings.heartbeat_file, settings.heartbeat_max_age)
    if running.ok:
        print(
            f"hamroh db restore: the bot is running ({running.reason} at "
            f"{settings.heartbeat_file}); stop it first",
            file=sys.stderr,
        )
        return 1
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    try:
        done = restore_sqlite(backup, settings.db_path, stamp)
    except RestoreError as error:
        print(f"hamroh db restore: {error}", file=sys.stderr)
        return 1
    print(
        f"restored {backup} to {settings.db_path}: schema version {done.facts.schema_version}, "
        f"{done.facts.users} users"
    )
    if done.kept is not None:
        print(
            f"the database that was there is kept as {done.kept}; like a backup, /forget "
            "and retention do not reach it: delete it once you do not need it"
        )
    return 0


def health(settings: Any, max_age: float | None) -> int:
    from bot.ops.heartbeat import check_health

    limit = settings.heartbeat_max_age if max_age is None else max_age
    verdict = check_health(settings.heartbeat_file, limit)
    stream = sys.stdout if verdict.ok else sys.stderr
    print(("healthy: " if verdict.ok else "unhealthy: ") + verdict.reason, file=stream)
    return 0 if verdict.ok else 1


async def backup(settings: Any, dest: Path | str) -> int:
    from bot.delivery.clock import SYSTEM_CLOCK
    from bot.ops.backup import BackupError, backup_database

    try:
        report = await backup_database(settings.storage_target, dest, SYSTEM_CLOCK.now())
    except BackupError as error:
        print(f"backup failed: {error}", file=sys.stderr)
        return 1
    check = "quick_check ok" if settings.database_url is None else "pg_restore --list ok"
    print(
        f"backup written to {report.path}: {report.size_bytes} bytes, "
        f"schema version {report.schema_version}, {report.users} users, {check}"
    )
    return 0


async def retention(settings: Any) -> int:
    from bot.delivery.clock import SYSTEM_CLOCK
    from bot.ops.retention import run_retention
    from bot.storage import open_existing_storage

    database = await open_existing_storage(settings.storage_target)
    try:
        report = await run_retention(
            database,
            SYSTEM_CLOCK.now(),
            inactive_days=settings.inactive_days,
            outbox_keep_days=settings.outbox_keep_days,
        )
    finally:
        await database.close()
    print(
        f"deleted {report.users_deleted} users last seen before "
        f"{report.users_cutoff:%Y-%m-%d %H:%M} UTC ({settings.inactive_days} days)"
    )
    print(
        f"pruned {report.outbox_rows_pruned} finished send-queue rows created before "
        f"{report.outbox_cutoff:%Y-%m-%d %H:%M} UTC ({settings.outbox_keep_days} days)"
    )
    return 0
