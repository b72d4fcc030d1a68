"""Admin campaigns' SQL for SQLite (table ``campaigns``, and their broadcasts).

Materialising a due campaign — its switch from ``scheduled`` to ``sending``, one
``broadcasts`` row per locale and one outbox row per recipient — is one transaction,
so no campaign is ever sent twice; see :mod:`bot.delivery.campaigns` for the life cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.storage._outbox import _insert_broadcast
from bot.storage.campaign_models import CampaignPart, CampaignProgress, progress_from_counts
from bot.storage.campaign_queries import CampaignQueries
from bot.storage.connection import SqliteConnection
from bot.storage.dialect import SQLITE
from bot.storage.timestamps import to_db


class SqliteCampaigns(CampaignQueries):
    """:class:`~bot.storage.interface.CampaignRecords` on the shared SQLite connection
    (the statements both backends share are :class:`CampaignQueries`)."""

    def __init__(self, conn: SqliteConnection) -> None:
        super().__init__(conn, SQLITE)
        self._conn = conn

    async def start(
        self,
        campaign_id: int,
        parts: Sequence[CampaignPart],
        *,
        priority: int,
        paid: bool,
        now: dt.datetime,
    ) -> int | None:
        stamp = to_db(now)
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE campaigns SET state = 'sending', started_at = ?, reported_at = ? "
                "WHERE id = ? AND state = 'scheduled'",
                (stamp, stamp, campaign_id),
            )
            claimed = cur.rowcount > 0
            await cur.close()
            if not claimed:
                return None
            total = 0
            for part in parts:
                _, count = await _insert_broadcast(
                    conn, part.payload, part.audience, priority, paid, stamp, stamp, campaign_id
                )
                total += count
            if total:
                await conn.execute(
                    "UPDATE campaigns SET total = ? WHERE id = ?", (total, campaign_id)
                )
            else:
                await conn.execute(
                    "UPDATE campaigns SET state = 'done', finished_at = ?, total = 0 WHERE id = ?",
                    (stamp, campaign_id),
                )
        return total

    async def progress(self, campaign_id: int) -> CampaignProgress:
        rows = await self._conn.fetch(
            "SELECT o.state, o.last_error LIKE 'forbidden%', COUNT(*) FROM outbox AS o "
            "JOIN broadcasts AS b ON b.id = o.broadcast_id WHERE b.campaign_id = ? "
            "GROUP BY 1, 2",
            (campaign_id,),
        )
        return progress_from_counts((str(s), bool(f), int(n)) for s, f, n in rows)

    async def cancel(self, campaign_id: int, now: dt.datetime) -> int | None:
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE campaigns SET state = 'cancelled', finished_at = ?, awaiting = NULL "
                "WHERE id = ? AND state IN ('draft', 'scheduled', 'sending')",
                (to_db(now), campaign_id),
            )
            changed = cur.rowcount > 0
            await cur.close()
            if not changed:
                return None
            cur = await conn.execute(
                "UPDATE outbox SET state = 'dropped', last_error = 'broadcast cancelled', "
                "payload = NULL WHERE state = 'pending' AND broadcast_id IN "
                "(SELECT id FROM broadcasts WHERE campaign_id = ?)",
                (campaign_id,),
            )
            dropped = max(cur.rowcount, 0)
            await cur.close()
        return dropped
