"""Aggregates, /forget, retention and backups in PostgreSQL.

Backups: ``pg_dump`` is PostgreSQL's consistent online copy; :meth:`backup` runs it
(custom format, owner-only file) and ``pg_restore --list`` checks the copy can be
read. Operators who already back the server up (base backups, WAL archiving) need
nothing from Hamroh.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
from pathlib import Path

from bot.storage._validate import check_int
from bot.storage.backup_file import written_into_place
from bot.storage.models import Stats
from bot.storage.postgres.pool import AConn, PgPool
from bot.storage.timestamps import aware

_UNKNOWN = "none"
_DELETE_ONE_USER = (
    "DELETE FROM outbox WHERE user_id = %(uid)s OR chat_id = %(uid)s "
    "OR chat_id IN (SELECT chat_id FROM users WHERE user_id = %(uid)s)",
    "DELETE FROM answers WHERE user_id = %(uid)s",
    "DELETE FROM interviews WHERE user_id = %(uid)s",
    "DELETE FROM reminders WHERE user_id = %(uid)s",
    "DELETE FROM user_deadlines WHERE user_id = %(uid)s",
    "DELETE FROM update_turns WHERE chat_id = %(uid)s "
    "OR chat_id IN (SELECT chat_id FROM users WHERE user_id = %(uid)s)",
    "DELETE FROM campaigns WHERE created_by = %(uid)s AND state = 'draft'",
    "UPDATE campaigns SET created_by = NULL, admin_chat_id = NULL "
    "WHERE created_by = %(uid)s OR admin_chat_id = %(uid)s",
)
_STALE = "SELECT user_id FROM users WHERE last_seen_at < %(cutoff)s"
_DELETE_STALE_USERS = (
    f"DELETE FROM outbox WHERE user_id IN ({_STALE}) "
    "OR chat_id IN (SELECT chat_id FROM users WHERE last_seen_at < %(cutoff)s)",
    f"DELETE FROM answers WHERE user_id IN ({_STALE})",
    f"DELETE FROM interviews WHERE user_id IN ({_STALE})",
    f"DELETE FROM reminders WHERE user_id IN ({_STALE})",
    f"DELETE FROM user_deadlines WHERE user_id IN ({_STALE})",
)


class BackupToolMissingError(RuntimeError):
    """``pg_dump``/``pg_restore`` is not installed where the bot runs."""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
            return str(candidate)
        raise BackupToolMissingError(f"{name} is not installed (Debian: postgresql-client)")
    return found


async def _grouped(conn: AConn, sql: str) -> dict[str, int]:
    cur = await conn.execute(sql.encode())
    return {(_UNKNOWN if key is None else str(key)): int(n) for key, n in await cur.fetchall()}


class MaintenanceMixin:
    """Stats, deletion, retention and backup; mixed into ``PostgresDatabase``."""

    _pool: PgPool
    _url: str

    async def stats(self) -> Stats:
        async with self._pool.transaction() as conn:
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur = await conn.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE active) FROM users")
            row = await cur.fetchone()
            total, active = (int(row[0]), int(row[1])) if row else (0, 0)
            by_locale = await _grouped(conn, "SELECT locale, COUNT(*) FROM users GROUP BY 1")
            by_citizenship = await _grouped(
                conn, "SELECT citizenship, COUNT(*) FROM users GROUP BY 1"
            )
            by_status = await _grouped(conn, "SELECT status, COUNT(*) FROM users GROUP BY 1")
            reminders = await _grouped(conn, "SELECT state, COUNT(*) FROM reminders GROUP BY 1")
            cur = await conn.execute("SELECT kind, state, COUNT(*) FROM outbox GROUP BY 1, 2")
            outbox = {(str(k), str(s)): int(n) for k, s, n in await cur.fetchall()}
        return Stats(
            users_total=total,
            users_active=active,
            by_locale=by_locale,
            by_citizenship=by_citizenship,
            by_status=by_status,
            reminders_by_state=reminders,
            outbox_by_kind_state=outbox,
        )

    async def delete_user(self, user_id: int) -> bool:
        check_int("user_id", user_id)
        async with self._pool.transaction() as conn:
            for sql in _DELETE_ONE_USER:
                await conn.execute(sql.encode(), {"uid": user_id})
            cur = await conn.execute(
                "DELETE FROM users WHERE user_id = %s RETURNING user_id", (user_id,)
            )
            return await cur.fetchone() is not None

    async def purge_inactive(self, older_than: dt.datetime) -> int:
        cutoff = {"cutoff": aware(older_than)}
        async with self._pool.transaction() as conn:
            for sql in _DELETE_STALE_USERS:
                await conn.execute(sql.encode(), cutoff)
            cur = await conn.execute("DELETE FROM users WHERE last_seen_at < %(cutoff)s", cutoff)
            return max(cur.rowcount, 0)

    async def nth_stale_last_seen(self, older_than: dt.datetime, n: int) -> dt.datetime | None:
        rows = await self._pool.fetch(
            "SELECT last_seen_at FROM users WHERE last_seen_at < %s "
            "ORDER BY last_seen_at LIMIT 1 OFFSET %s",
            (aware(older_than), n),
        )
        return rows[0][0] if rows else None

    async def count_users(self) -> int:
        rows = await self._pool.fetch("SELECT COUNT(*) FROM users")
        return int(rows[0][0])

    async def backup(self, dest_path: str | Path) -> Path:
        """``pg_dump --format=custom`` into ``dest_path`` (owner-only, renamed into place)."""
        dest = Path(dest_path)
        with written_into_place(dest) as tmp_name:
            await _run(
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--file",
                tmp_name,
                "--dbname",
                self._url,
            )
            os.chmod(tmp_name, 0o600)
        return dest


async def _run(*argv: str) -> str:
    """Run a PostgreSQL tool; its stderr's last line becomes the error (no password)."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or ["failed"]
        raise RuntimeError(f"{Path(argv[0]).name}: {lines[-1]}")
    return out.decode(errors="replace")


async def check_pg_dump(path: Path) -> tuple[int, int]:
    """``pg_restore --list`` reads the archive; returns (table entries, data entries)."""
    listing = await _run(_tool("pg_restore"), "--list", str(path))
    tables = sum(1 for line in listing.splitlines() if " TABLE public " in line)
    data = sum(1 for line in listing.splitlines() if " TABLE DATA public " in line)
    return tables, data
