"""The send queue's SQL for SQLite (tables ``outbox`` and ``broadcasts``).

Claiming is one transaction that selects due rows in priority order and flips them to
``sending``; SQLite serialises writers, so two claimers can never take the same row.
The delivery policy (at-least-once, leases, privacy of texts) is described in
:mod:`bot.delivery.outbox`, which drives this class.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Final

import aiosqlite

from bot.storage.audience_sql import audience_where
from bot.storage.connection import SqliteConnection
from bot.storage.dialect import SQLITE
from bot.storage.queue_models import Audience, ClaimedMessage, QueuedMessage, claimed_from_row
from bot.storage.queue_queries import QueueReports
from bot.storage.timestamps import from_db, to_db

_INSERT: Final = (
    "INSERT INTO outbox (chat_id, user_id, kind, priority, payload, not_before, "
    "broadcast_id, reminder_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CLAIM_SELECT: Final = (
    "SELECT o.id, o.chat_id, o.user_id, o.kind, o.priority, "
    "COALESCE(o.payload, b.payload), o.attempts, o.broadcast_id, o.reminder_id, "
    "COALESCE(b.paid, 0), o.not_before "
    "FROM outbox AS o LEFT JOIN broadcasts AS b ON b.id = o.broadcast_id "
    "WHERE o.state = 'pending' AND o.not_before <= ? "
    "ORDER BY o.priority, o.not_before, o.id LIMIT ?"
)
_REMINDER_STATE_AFTER: Final = {"sent": "sent", "failed": "failed", "dropped": "cancelled"}


def _values(
    message: QueuedMessage,
    now: str,
    broadcast_id: int | None = None,
    reminder_id: int | None = None,
) -> tuple[object, ...]:
    return (
        message.chat_id,
        message.user_id,
        message.kind,
        message.priority,
        message.payload,
        to_db(message.not_before),
        broadcast_id,
        reminder_id,
        now,
    )


class SqliteSendQueue(QueueReports):
    """:class:`~bot.storage.interface.SendQueue` on the shared SQLite connection."""

    def __init__(self, conn: SqliteConnection) -> None:
        super().__init__(conn, SQLITE)
        self._conn = conn

    # ------------------------------------------------------------------ enqueue
    async def insert_one(self, message: QueuedMessage, now: dt.datetime) -> int:
        async with self._conn.transaction() as conn:
            cur = await conn.execute(_INSERT, _values(message, to_db(now)))
            row_id = cur.lastrowid
            await cur.close()
        return int(row_id or 0)

    async def insert_many(self, messages: Iterable[QueuedMessage], now: dt.datetime) -> int:
        stamp = to_db(now)
        values = [_values(message, stamp) for message in messages]
        if not values:
            return 0
        async with self._conn.transaction() as conn:
            await conn.executemany(_INSERT, values)
        return len(values)

    async def create_broadcast(
        self,
        payload: str,
        recipients: Iterable[tuple[int, int | None]] | Audience,
        *,
        priority: int,
        paid: bool,
        not_before: dt.datetime,
        now: dt.datetime,
        campaign_id: int | None = None,
    ) -> tuple[int, int]:
        stamp = to_db(now)
        async with self._conn.transaction() as conn:
            return await _insert_broadcast(
                conn, payload, recipients, priority, paid, to_db(not_before), stamp, campaign_id
            )

    async def queue_reminders(
        self, items: Iterable[tuple[int, QueuedMessage]], now: dt.datetime
    ) -> int:
        stamp = to_db(now)
        queued = 0
        async with self._conn.transaction() as conn:
            for reminder_id, message in items:
                cur = await conn.execute(
                    "UPDATE reminders SET state = 'queued' WHERE id = ? AND state = 'scheduled'",
                    (reminder_id,),
                )
                claimed = cur.rowcount > 0
                await cur.close()
                if claimed:
                    await conn.execute(_INSERT, _values(message, stamp, reminder_id=reminder_id))
                    queued += 1
        return queued

    # ------------------------------------------------------------------ claiming
    async def claim(self, now: dt.datetime, limit: int) -> list[ClaimedMessage]:
        if limit <= 0:
            return []
        stamp = to_db(now)
        async with self._conn.transaction() as conn:
            async with conn.execute(_CLAIM_SELECT, (stamp, limit)) as cur:
                raw_rows = list(await cur.fetchall())
            if raw_rows:
                await conn.executemany(
                    "UPDATE outbox SET state = 'sending', claimed_at = ? WHERE id = ?",
                    [(stamp, r[0]) for r in raw_rows],
                )
        return [claimed_from_row(r, from_db) for r in raw_rows]

    # ------------------------------------------------------------------ outcomes
    async def _finish(
        self, row_id: int, state: str, reason: str | None, sent_at: str | None
    ) -> bool:
        async with self._conn.transaction() as conn:
            updated = await conn.execute_fetchall(
                "UPDATE outbox SET state = ?, last_error = ?, sent_at = ?, payload = NULL "
                "WHERE id = ? AND state IN ('sending', 'pending') RETURNING reminder_id",
                (state, reason, sent_at, row_id),
            )
            rows = list(updated)
            changed = bool(rows)
            if changed and rows[0][0] is not None:
                await conn.execute(
                    "UPDATE reminders SET state = ? WHERE id = ?",
                    (_REMINDER_STATE_AFTER[state], rows[0][0]),
                )
        return changed

    async def mark_sent(self, row_id: int, now: dt.datetime) -> bool:
        return await self._finish(row_id, "sent", None, to_db(now))

    async def mark_sent_many(self, row_ids: Iterable[int], now: dt.datetime) -> int:
        ids = [(row_id,) for row_id in row_ids]
        if not ids:
            return 0
        stamp = to_db(now)
        async with self._conn.transaction() as conn:
            await conn.executemany(
                "UPDATE reminders SET state = 'sent' WHERE id = (SELECT reminder_id FROM outbox "
                "WHERE id = ? AND state IN ('sending', 'pending'))",
                ids,
            )
            cur = await conn.executemany(
                "UPDATE outbox SET state = 'sent', last_error = NULL, sent_at = ?, payload = NULL "
                "WHERE id = ? AND state IN ('sending', 'pending')",
                [(stamp, row_id) for (row_id,) in ids],
            )
            changed = max(cur.rowcount, 0)
            await cur.close()
        return changed

    async def mark_failed(self, row_id: int, reason: str) -> bool:
        return await self._finish(row_id, "failed", reason, None)

    async def record_attempt(self, row_id: int, error: str) -> int:
        rows = await self._conn.fetch(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? "
            "RETURNING attempts",
            (error, row_id),
        )
        return int(rows[0][0]) if rows else 0

    async def release(self, row_ids: Iterable[int]) -> int:
        ids = [(row_id,) for row_id in row_ids]
        if not ids:
            return 0
        async with self._conn.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET state = 'pending', claimed_at = NULL "
                "WHERE id = ? AND state = 'sending'",
                ids,
            )
        return len(ids)

    async def _drop(self, column: str, value: int, reason: str) -> int:
        async with self._conn.transaction() as conn:
            await conn.execute(
                "UPDATE reminders SET state = 'cancelled' WHERE id IN "
                f"(SELECT reminder_id FROM outbox WHERE {column} = ? "
                "AND state IN ('pending', 'sending') AND reminder_id IS NOT NULL)",
                (value,),
            )
            cur = await conn.execute(
                "UPDATE outbox SET state = 'dropped', last_error = ?, payload = NULL "
                f"WHERE {column} = ? AND state IN ('pending', 'sending')",
                (reason, value),
            )
            count = max(cur.rowcount, 0)
            await cur.close()
        return count

    async def drop_for_user(self, user_id: int, reason: str) -> int:
        return await self._drop("user_id", user_id, reason)

    async def drop_for_chat(self, chat_id: int, reason: str) -> int:
        return await self._drop("chat_id", chat_id, reason)

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET state = 'dropped', last_error = 'broadcast cancelled', "
                "payload = NULL WHERE broadcast_id = ? AND state = 'pending'",
                (broadcast_id,),
            )
            count = max(cur.rowcount, 0)
            await cur.close()
        return count

    async def recover_in_flight(self, claimed_before: dt.datetime | None = None) -> int:
        sql = "UPDATE outbox SET state = 'pending', claimed_at = NULL WHERE state = 'sending'"
        params: tuple[object, ...] = ()
        if claimed_before is not None:
            sql += " AND claimed_at < ?"
            params = (to_db(claimed_before),)
        async with self._conn.transaction() as conn:
            cur = await conn.execute(sql, params)
            count = max(cur.rowcount, 0)
            await cur.close()
        return count

    # ------------------------------------------------------------------ pruning
    # (its reports are QueueReports, shared with PostgreSQL)
    async def prune(self, finished_before: dt.datetime) -> int:
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM outbox WHERE state IN ('sent', 'failed', 'dropped') "
                "AND created_at < ?",
                (to_db(finished_before),),
            )
            count = max(cur.rowcount, 0)
            await cur.close()
            await conn.execute(
                "DELETE FROM broadcasts WHERE created_at < ? AND NOT EXISTS "
                "(SELECT 1 FROM outbox WHERE outbox.broadcast_id = broadcasts.id)",
                (to_db(finished_before),),
            )
        return count


async def _insert_broadcast(
    conn: aiosqlite.Connection,
    payload: str,
    recipients: Iterable[tuple[int, int | None]] | Audience,
    priority: int,
    paid: bool,
    start: str,
    stamp: str,
    campaign_id: int | None,
) -> tuple[int, int]:
    """Insert one ``broadcasts`` row and its outbox rows on an open transaction.

    Returns the broadcast id and how many recipients it has. An :class:`Audience` is
    selected inside SQLite (``INSERT … SELECT``): about 1.5 s for 500,000 users
    instead of ~9 s through Python.
    """
    cur = await conn.execute(
        "INSERT INTO broadcasts (payload, paid, created_at, campaign_id) VALUES (?, ?, ?, ?)",
        (payload, 1 if paid else 0, stamp, campaign_id),
    )
    broadcast_id = int(cur.lastrowid or 0)
    await cur.close()
    if isinstance(recipients, Audience):
        where, params = audience_where(recipients, SQLITE)
        cur = await conn.execute(
            "INSERT INTO outbox (chat_id, user_id, kind, priority, payload, not_before, "
            "broadcast_id, created_at) SELECT chat_id, user_id, 'broadcast', ?, NULL, ?, ?, ? "
            f"FROM users WHERE {where} ORDER BY user_id",
            (priority, start, broadcast_id, stamp, *params),
        )
        count = max(cur.rowcount, 0)
        await cur.close()
        return broadcast_id, count
    rows: Sequence[tuple[object, ...]] = [
        (chat_id, user_id, "broadcast", priority, None, start, broadcast_id, None, stamp)
        for chat_id, user_id in recipients
    ]
    await conn.executemany(_INSERT, rows)
    return broadcast_id, len(rows)
