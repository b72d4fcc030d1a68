"""Aggregates, the right to be forgotten, retention and backups.

Why ``delete_user`` lists every table by hand rather than relying only on
``ON DELETE CASCADE``: the outbox is keyed by chat as well as user and has no
foreign key (it can address admin chats that are not users). The privacy test
enumerates ``sqlite_master`` so a new table that mentions users fails it until it
is added here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import aiosqlite

from bot.storage._validate import check_int
from bot.storage.connection import SqliteConnection
from bot.storage.models import Stats
from bot.storage.timestamps import from_db, to_db

_UNKNOWN = "none"


async def _grouped(conn: aiosqlite.Connection, sql: str) -> dict[str, int]:
    async with conn.execute(sql) as cur:
        return {(_UNKNOWN if key is None else str(key)): int(n) for key, n in await cur.fetchall()}


_DELETE_ONE_USER = (
    # Outbox rows addressed to the user, by user id or by their chat.
    "DELETE FROM outbox WHERE user_id = :uid OR chat_id = :uid "
    "OR chat_id IN (SELECT chat_id FROM users WHERE user_id = :uid)",
    "DELETE FROM answers WHERE user_id = :uid",
    "DELETE FROM interviews WHERE user_id = :uid",
    "DELETE FROM reminders WHERE user_id = :uid",
    "DELETE FROM user_deadlines WHERE user_id = :uid",
    # An admin who asks to be forgotten: their unsent drafts go, their sent
    # broadcasts stay (the bot's own history) without saying who wrote them.
    "DELETE FROM campaigns WHERE created_by = :uid AND state = 'draft'",
    "UPDATE campaigns SET created_by = NULL, admin_chat_id = NULL "
    "WHERE created_by = :uid OR admin_chat_id = :uid",
    "DELETE FROM users WHERE user_id = :uid",
)

_STALE = "SELECT user_id FROM users WHERE last_seen_at < :cutoff"
_DELETE_STALE_USERS = (
    f"DELETE FROM outbox WHERE user_id IN ({_STALE}) "
    "OR chat_id IN (SELECT chat_id FROM users WHERE last_seen_at < :cutoff)",
    f"DELETE FROM answers WHERE user_id IN ({_STALE})",
    f"DELETE FROM interviews WHERE user_id IN ({_STALE})",
    f"DELETE FROM reminders WHERE user_id IN ({_STALE})",
    f"DELETE FROM user_deadlines WHERE user_id IN ({_STALE})",
)


class MaintenanceMixin:
    """Stats, deletion, retention and backup; mixed into ``Database``."""

    _conn: SqliteConnection

    async def stats(self) -> Stats:
        """Counts by locale, citizenship, status; reminders and outbox by state.

        Runs on a separate read-only snapshot: with millions of reminders it takes
        seconds, and must not block the handlers meanwhile.
        """
        async with self._conn.snapshot() as conn:
            async with conn.execute("SELECT COUNT(*), COALESCE(SUM(active), 0) FROM users") as cur:
                row = await cur.fetchone()
            total, active = (int(row[0]), int(row[1])) if row else (0, 0)
            by_locale = await _grouped(conn, "SELECT locale, COUNT(*) FROM users GROUP BY 1")
            by_citizenship = await _grouped(
                conn, "SELECT citizenship, COUNT(*) FROM users GROUP BY 1"
            )
            by_status = await _grouped(conn, "SELECT status, COUNT(*) FROM users GROUP BY 1")
            reminders = await _grouped(conn, "SELECT state, COUNT(*) FROM reminders GROUP BY 1")
            async with conn.execute(
                "SELECT kind, state, COUNT(*) FROM outbox GROUP BY 1, 2"
            ) as cur:
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
        """Delete every row about the user, in every table, in one transaction.

        Returns whether a user row existed. Afterwards the WAL is checkpointed so, with
        ``secure_delete`` on, the deleted answers are gone from the files on disk too
        (backups made earlier still hold them: rotate backups accordingly).
        """
        check_int("user_id", user_id)
        async with self._conn.transaction() as conn:
            async with conn.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)) as cur:
                existed = await cur.fetchone() is not None
            for sql in _DELETE_ONE_USER:
                await conn.execute(sql, {"uid": user_id})
        await self._conn.checkpoint()
        return existed

    async def purge_inactive(self, older_than: dt.datetime) -> int:
        """Delete users last seen before ``older_than``, with everything about them.

        The retention job runs this daily with ``now - retention_period``.
        """
        cutoff = {"cutoff": to_db(older_than)}
        async with self._conn.transaction() as conn:
            for sql in _DELETE_STALE_USERS:
                await conn.execute(sql, cutoff)
            cur = await conn.execute("DELETE FROM users WHERE last_seen_at < :cutoff", cutoff)
            deleted = max(cur.rowcount, 0)
            await cur.close()
        if deleted:
            await self._conn.checkpoint()
        return deleted

    async def nth_stale_last_seen(self, older_than: dt.datetime, n: int) -> dt.datetime | None:
        """The last-seen time of the ``n``-th least recently seen stale user (0-based)."""
        rows = await self._conn.fetch(
            "SELECT last_seen_at FROM users WHERE last_seen_at < ? "
            "ORDER BY last_seen_at LIMIT 1 OFFSET ?",
            (to_db(older_than), n),
        )
        return from_db(rows[0][0]) if rows else None

    async def count_users(self) -> int:
        """How many user rows there are."""
        rows = await self._conn.fetch("SELECT COUNT(*) FROM users")
        return int(rows[0][0])

    async def backup(self, dest_path: str | Path) -> Path:
        """Consistent online copy of the database (SQLite backup API), owner-only file."""
        return await self._conn.backup(dest_path)
