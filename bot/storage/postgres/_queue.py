"""The send queue in PostgreSQL: claims with ``FOR UPDATE SKIP LOCKED``.

Why ``SKIP LOCKED``: several instances claim from one table at once; each takes the
due rows nobody else is taking right now instead of waiting on their locks, so no
row is handed to two senders and nobody blocks. ``recover_in_flight`` with a cut-off
(the lease) returns a dead instance's claims to ``pending``; see
:mod:`bot.delivery.outbox` for the delivery policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

from bot.storage.audience_sql import audience_where
from bot.storage.dialect import POSTGRES
from bot.storage.postgres.pool import AConn, PgPool
from bot.storage.queue_models import Audience, ClaimedMessage, QueuedMessage, claimed_from_row
from bot.storage.queue_queries import QueueReports
from bot.storage.timestamps import aware

_COLUMNS: Final = (
    "chat_id, user_id, kind, priority, payload, not_before, broadcast_id, reminder_id, created_at"
)
_UNNEST: Final = (
    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::int[], %s::text[], "
    "%s::timestamptz[], %s::bigint[], %s::bigint[], %s::timestamptz[])"
)
_REMINDER_STATE_AFTER: Final = {"sent": "sent", "failed": "failed", "dropped": "cancelled"}


def _values(
    message: QueuedMessage,
    now: dt.datetime,
    broadcast_id: int | None = None,
    reminder_id: int | None = None,
) -> tuple[object, ...]:
    return (
        message.chat_id,
        message.user_id,
        message.kind,
        message.priority,
        message.payload,
        aware(message.not_before),
        broadcast_id,
        reminder_id,
        now,
    )


async def insert_rows(conn: AConn, rows: list[tuple[object, ...]]) -> int:
    """Insert outbox rows in one statement (arrays, not one round trip per row)."""
    if not rows:
        return 0
    cur = await conn.execute(
        f"INSERT INTO outbox ({_COLUMNS}) {_UNNEST}",
        [list(column) for column in zip(*rows, strict=True)],
    )
    return max(cur.rowcount, 0)


async def insert_broadcast(
    conn: AConn,
    payload: str,
    recipients: Iterable[tuple[int, int | None]] | Audience,
    priority: int,
    paid: bool,
    start: dt.datetime,
    now: dt.datetime,
    campaign_id: int | None,
) -> tuple[int, int]:
    """One ``broadcasts`` row and its outbox rows, on an open transaction."""
    cur = await conn.execute(
        "INSERT INTO broadcasts (payload, paid, created_at, campaign_id) "
        "VALUES (%s, %s, %s, %s) RETURNING id",
        (payload, paid, now, campaign_id),
    )
    row = await cur.fetchone()
    assert row is not None
    broadcast_id = int(row[0])
    if isinstance(recipients, Audience):
        where, params = audience_where(recipients, POSTGRES)
        cur = await conn.execute(
            f"INSERT INTO outbox ({_COLUMNS}) SELECT chat_id, user_id, 'broadcast', %s, NULL, "
            f"%s, %s, NULL, %s FROM users WHERE {where} ORDER BY user_id",
            (priority, start, broadcast_id, now, *params),
        )
        return broadcast_id, max(cur.rowcount, 0)
    rows: list[tuple[object, ...]] = [
        (chat_id, user_id, "broadcast", priority, None, start, broadcast_id, None, now)
        for chat_id, user_id in recipients
    ]
    return broadcast_id, await insert_rows(conn, rows)


class PgSendQueue(QueueReports):
    """:class:`~bot.storage.interface.SendQueue` on the pool."""

    def __init__(self, pool: PgPool) -> None:
        super().__init__(pool, POSTGRES)
        self._pool = pool

    async def insert_one(self, message: QueuedMessage, now: dt.datetime) -> int:
        rows = await self._pool.fetch(
            f"INSERT INTO outbox ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "RETURNING id",
            _values(message, aware(now)),
        )
        return int(rows[0][0])

    async def insert_many(self, messages: Iterable[QueuedMessage], now: dt.datetime) -> int:
        rows = [_values(message, aware(now)) for message in messages]
        if not rows:
            return 0
        async with self._pool.transaction() as conn:
            return await insert_rows(conn, rows)

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
        async with self._pool.transaction() as conn:
            return await insert_broadcast(
                conn,
                payload,
                recipients,
                priority,
                paid,
                aware(not_before),
                aware(now),
                campaign_id,
            )

    async def queue_reminders(
        self, items: Iterable[tuple[int, QueuedMessage]], now: dt.datetime
    ) -> int:
        pending = {reminder_id: message for reminder_id, message in items}
        if not pending:
            return 0
        aware(now)
        async with self._pool.transaction() as conn:
            # Lock the still-scheduled ones; another instance's run skips what we hold.
            cur = await conn.execute(
                "SELECT id FROM reminders WHERE id = ANY(%s) AND state = 'scheduled' "
                "ORDER BY id FOR UPDATE SKIP LOCKED",
                (list(pending),),
            )
            ids = [int(r[0]) for r in await cur.fetchall()]
            if not ids:
                return 0
            await conn.execute("UPDATE reminders SET state = 'queued' WHERE id = ANY(%s)", (ids,))
            rows = [_values(pending[rid], now, reminder_id=rid) for rid in ids]
            await insert_rows(conn, rows)
        return len(ids)

    async def claim(self, now: dt.datetime, limit: int) -> list[ClaimedMessage]:
        if limit <= 0:
            return []
        rows = await self._pool.fetch(
            "WITH due AS (SELECT id FROM outbox WHERE state = 'pending' AND not_before <= %s "
            "ORDER BY priority, not_before, id LIMIT %s FOR UPDATE SKIP LOCKED), "
            "claimed AS (UPDATE outbox AS o SET state = 'sending', claimed_at = %s "
            "FROM due WHERE o.id = due.id RETURNING o.*) "
            "SELECT c.id, c.chat_id, c.user_id, c.kind, c.priority, "
            "COALESCE(c.payload, b.payload), c.attempts, c.broadcast_id, c.reminder_id, "
            "COALESCE(b.paid, FALSE), c.not_before "
            "FROM claimed AS c LEFT JOIN broadcasts AS b ON b.id = c.broadcast_id "
            "ORDER BY c.priority, c.not_before, c.id",
            (aware(now), limit, now),
        )
        return [claimed_from_row(r, aware) for r in rows]

    async def _finish(
        self, ids: list[int], state: str, reason: str | None, sent_at: dt.datetime | None
    ) -> int:
        if not ids:
            return 0
        async with self._pool.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET state = %s, last_error = %s, sent_at = %s, payload = NULL "
                "WHERE id = ANY(%s) AND state IN ('sending', 'pending') RETURNING reminder_id",
                (state, reason, sent_at, ids),
            )
            changed = await cur.fetchall()
            reminders = [r[0] for r in changed if r[0] is not None]
            if reminders:
                await conn.execute(
                    "UPDATE reminders SET state = %s WHERE id = ANY(%s)",
                    (_REMINDER_STATE_AFTER[state], reminders),
                )
        return len(changed)

    async def mark_sent(self, row_id: int, now: dt.datetime) -> bool:
        return await self._finish([row_id], "sent", None, aware(now)) > 0

    async def mark_sent_many(self, row_ids: Iterable[int], now: dt.datetime) -> int:
        return await self._finish(list(row_ids), "sent", None, aware(now))

    async def mark_failed(self, row_id: int, reason: str) -> bool:
        return await self._finish([row_id], "failed", reason, None) > 0

    async def record_attempt(self, row_id: int, error: str) -> int:
        rows = await self._pool.fetch(
            "UPDATE outbox SET attempts = attempts + 1, last_error = %s WHERE id = %s "
            "RETURNING attempts",
            (error, row_id),
        )
        return int(rows[0][0]) if rows else 0

    async def release(self, row_ids: Iterable[int]) -> int:
        ids = list(row_ids)
        if not ids:
            return 0
        await self._pool.execute(
            "UPDATE outbox SET state = 'pending', claimed_at = NULL "
            "WHERE id = ANY(%s) AND state = 'sending'",
            (ids,),
        )
        return len(ids)

    async def _drop(self, column: str, value: int, reason: str) -> int:
        async with self._pool.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET state = 'dropped', last_error = %s, payload = NULL "
                f"WHERE {column} = %s AND state IN ('pending', 'sending') RETURNING reminder_id",
                (reason, value),
            )
            changed = await cur.fetchall()
            reminders = [r[0] for r in changed if r[0] is not None]
            if reminders:
                await conn.execute(
                    "UPDATE reminders SET state = 'cancelled' WHERE id = ANY(%s)", (reminders,)
                )
        return len(changed)

    async def drop_for_user(self, user_id: int, reason: str) -> int:
        return await self._drop("user_id", user_id, reason)

    async def drop_for_chat(self, chat_id: int, reason: str) -> int:
        return await self._drop("chat_id", chat_id, reason)

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        return await self._pool.execute(
            "UPDATE outbox SET state = 'dropped', last_error = 'broadcast cancelled', "
            "payload = NULL WHERE broadcast_id = %s AND state = 'pending'",
            (broadcast_id,),
        )

    async def recover_in_flight(self, claimed_before: dt.datetime | None = None) -> int:
        if claimed_before is None:
            return await self._pool.execute(
                "UPDATE outbox SET state = 'pending', claimed_at = NULL WHERE state = 'sending'"
            )
        return await self._pool.execute(
            "UPDATE outbox SET state = 'pending', claimed_at = NULL "
            "WHERE state = 'sending' AND claimed_at < %s",
            (aware(claimed_before),),
        )

    async def prune(self, finished_before: dt.datetime) -> int:
        async with self._pool.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM outbox WHERE state IN ('sent', 'failed', 'dropped') "
                "AND created_at < %s",
                (aware(finished_before),),
            )
            count = max(cur.rowcount, 0)
            await conn.execute(
                "DELETE FROM broadcasts WHERE created_at < %s AND NOT EXISTS "
                "(SELECT 1 FROM outbox WHERE outbox.broadcast_id = broadcasts.id)",
                (finished_before,),
            )
        return count
