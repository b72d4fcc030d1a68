"""Admin campaigns in PostgreSQL (see :mod:`bot.storage._campaigns`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.storage._campaigns import CAMPAIGN_COLUMNS, draft_values
from bot.storage.audience_sql import POSTGRES, audience_where
from bot.storage.campaign_models import (
    AudienceSpec,
    Campaign,
    CampaignPart,
    CampaignProgress,
    CampaignState,
    campaign_from_row,
    progress_from_counts,
)
from bot.storage.postgres._people import aware
from bot.storage.postgres._queue import insert_broadcast
from bot.storage.postgres.pool import PgPool
from bot.storage.queue_models import Audience


def _as_is(value: Any) -> dt.datetime | None:
    return value if value is None else aware(value)


def _row(row: Sequence[Any]) -> Campaign:
    return campaign_from_row(row, _as_is)


class PgCampaigns:
    """:class:`~bot.storage.interface.CampaignRecords` on the pool."""

    def __init__(self, pool: PgPool) -> None:
        self._pool = pool

    async def insert(
        self,
        *,
        state: CampaignState,
        created_by: int | None,
        admin_chat_id: int | None,
        texts: Mapping[str, str],
        spec: AudienceSpec,
        send_at: dt.datetime | None,
        awaiting: str | None,
        paid: bool,
        now: dt.datetime,
    ) -> Campaign:
        rows = await self._pool.fetch(
            "INSERT INTO campaigns (state, created_by, admin_chat_id, texts, audience, "
            "send_at, awaiting, paid, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            f"RETURNING {CAMPAIGN_COLUMNS}",
            (
                state,
                created_by,
                admin_chat_id,
                json.dumps(dict(texts), ensure_ascii=False),
                spec.to_json(),
                None if send_at is None else aware(send_at),
                awaiting,
                bool(paid),
                aware(now),
            ),
        )
        return _row(rows[0])

    async def get(self, campaign_id: int) -> Campaign | None:
        rows = await self._pool.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = %s", (campaign_id,)
        )
        return _row(rows[0]) if rows else None

    async def draft_of(self, admin_id: int) -> Campaign | None:
        rows = await self._pool.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE created_by = %s AND state = 'draft' "
            "ORDER BY id DESC LIMIT 1",
            (admin_id,),
        )
        return _row(rows[0]) if rows else None

    async def update_draft(self, campaign_id: int, changes: Mapping[str, Any]) -> None:
        values = draft_values(changes, aware, bool)
        if not values:
            return
        assignments = ", ".join(f"{key} = %s" for key in values)
        await self._pool.execute(
            f"UPDATE campaigns SET {assignments} WHERE id = %s AND state = 'draft'",
            (*values.values(), campaign_id),
        )

    async def schedule(self, campaign_id: int, send_at: dt.datetime) -> bool:
        rows = await self._pool.fetch(
            "UPDATE campaigns SET state = 'scheduled', send_at = %s, awaiting = NULL "
            "WHERE id = %s AND state = 'draft' RETURNING id",
            (aware(send_at), campaign_id),
        )
        return bool(rows)

    async def count_audience(self, audience: Audience) -> int:
        where, params = audience_where(audience, POSTGRES)
        rows = await self._pool.fetch(f"SELECT COUNT(*) FROM users WHERE {where}", params)
        return int(rows[0][0])

    async def due(self, now: dt.datetime) -> list[Campaign]:
        rows = await self._pool.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'scheduled' AND send_at <= %s "
            "ORDER BY send_at, id",
            (aware(now),),
        )
        return [_row(row) for row in rows]

    async def start(
        self,
        campaign_id: int,
        parts: Sequence[CampaignPart],
        *,
        priority: int,
        paid: bool,
        now: dt.datetime,
    ) -> int | None:
        aware(now)
        async with self._pool.transaction() as conn:
            cur = await conn.execute(
                "UPDATE campaigns SET state = 'sending', started_at = %s, reported_at = %s "
                "WHERE id = %s AND state = 'scheduled' RETURNING id",
                (now, now, campaign_id),
            )
            if await cur.fetchone() is None:
                return None
            total = 0
            for part in parts:
                _, count = await insert_broadcast(
                    conn, part.payload, part.audience, priority, paid, now, now, campaign_id
                )
                total += count
            if total:
                await conn.execute(
                    "UPDATE campaigns SET total = %s WHERE id = %s", (total, campaign_id)
                )
            else:
                await conn.execute(
                    "UPDATE campaigns SET state = 'done', finished_at = %s, total = 0 "
                    "WHERE id = %s",
                    (now, campaign_id),
                )
        return total

    async def progress(self, campaign_id: int) -> CampaignProgress:
        rows = await self._pool.fetch(
            "SELECT o.state, COALESCE(o.last_error ILIKE 'forbidden%%', FALSE), COUNT(*) "
            "FROM outbox AS o JOIN broadcasts AS b ON b.id = o.broadcast_id "
            "WHERE b.campaign_id = %s GROUP BY 1, 2",
            (campaign_id,),
        )
        return progress_from_counts((str(s), bool(f), int(n)) for s, f, n in rows)

    async def in_progress(self) -> list[Campaign]:
        rows = await self._pool.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'sending' ORDER BY id"
        )
        return [_row(row) for row in rows]

    async def finish(self, campaign_id: int, progress: CampaignProgress, now: dt.datetime) -> None:
        await self._pool.execute(
            "UPDATE campaigns SET state = CASE WHEN state = 'sending' THEN 'done' ELSE state "
            "END, finished_at = %s, total = GREATEST(total, %s), sent = %s, blocked = %s, "
            "failed = %s, dropped = %s WHERE id = %s AND state IN ('sending', 'cancelled')",
            (
                aware(now),
                progress.total,
                progress.sent,
                progress.blocked,
                progress.failed,
                progress.dropped,
                campaign_id,
            ),
        )

    async def mark_reported(self, campaign_id: int, now: dt.datetime) -> None:
        await self._pool.execute(
            "UPDATE campaigns SET reported_at = %s WHERE id = %s", (aware(now), campaign_id)
        )

    async def cancel(self, campaign_id: int, now: dt.datetime) -> int | None:
        async with self._pool.transaction() as conn:
            cur = await conn.execute(
                "UPDATE campaigns SET state = 'cancelled', finished_at = %s, awaiting = NULL "
                "WHERE id = %s AND state IN ('draft', 'scheduled', 'sending') RETURNING id",
                (aware(now), campaign_id),
            )
            if await cur.fetchone() is None:
                return None
            cur = await conn.execute(
                "UPDATE outbox SET state = 'dropped', last_error = 'broadcast cancelled', "
                "payload = NULL WHERE state = 'pending' AND broadcast_id IN "
                "(SELECT id FROM broadcasts WHERE campaign_id = %s)",
                (campaign_id,),
            )
            return max(cur.rowcount, 0)

    async def recent(self, limit: int) -> list[Campaign]:
        rows = await self._pool.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state != 'draft' ORDER BY "
            "CASE state WHEN 'sending' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, "
            "CASE WHEN state = 'scheduled' THEN send_at END, id DESC LIMIT %s",
            (limit,),
        )
        return [_row(row) for row in rows]
