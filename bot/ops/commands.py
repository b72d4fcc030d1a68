"""The operator subcommands of ``hamroh``: ``health``, ``db backup``, ``db retention``.

Kept out of ``bot/cli.py`` so that file stays a list of commands; each function
here is a thin adapter that reads settings from the environment (like ``hamroh
run``), does one thing and prints one line per fact. Heavy imports happen inside
the functions: ``hamroh health`` runs every minute as the Docker HEALTHCHECK.

Exit codes: 0 done/healthy, 1 unhealthy or failed (the reason on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def add_parsers(sub: Any) -> None:
    """Add ``health`` and ``db {backup,retention}`` to the ``hamroh`` subparsers."""
    health = sub.add_parser("health", help="exit 0 only if the running bot's heartbeat is fresh")
    health.add_argument(
        "--max-age", type=float, help="seconds (default HAMROH_HEARTBEAT_MAX_AGE, 120)"
    )
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    backup = db_sub.add_parser("backup", help="online copy of the database, checked")
    backup.add_argument("path", help="backup file, or a folder for a time-stamped file")
    db_sub.add_parser("retention", help="delete inactive users and old send-queue rows once, now")


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
    return 2


def health(settings: Any, max_age: float | None) -> int:
    from bot.ops.heartbeat import check_health

    verdict = check_health(settings.heartbeat_file, max_age or settings.heartbeat_max_age)
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
