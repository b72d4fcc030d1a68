"""Admin campaigns in PostgreSQL: what it does its own way (see
:mod:`bot.storage.campaign_queries` for the statements both backends share)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.storage.campaign_models import CampaignPart, CampaignProgress, progress_from_counts
from bot.storage.campaign_queries import CampaignQueries
from bot.storage.dialect import POSTGRES
from bot.storage.postgres._queue import insert_broadcast
from bot.storage.postgres.pool import PgPool
from bot.storage.timestamps import aware


class PgCampaigns(CampaignQueries):
    """:class:`~bot.storage.interface.CampaignRecords` on the pool."""

    def __init__(self, pool: PgPool) -> None:
        super().__init__(pool, POSTGRES)
        self._pool = pool

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
