"""Admin campaigns' SQL for SQLite (table ``campaigns``, and their broadcasts).

Materialising a due campaign — its switch from ``scheduled`` to ``sending``, one
``broadcasts`` row per locale and one outbox row per recipient — is one transaction,
so no campaign is ever sent twice; see :mod:`bot.delivery.campaigns` for the life cycle.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from bot.storage._outbox import _insert_broadcast
from bot.storage.audience_sql import SQLITE, audience_where
from bot.storage.campaign_models import (
    AudienceSpec,
    Campaign,
    CampaignPart,
    CampaignProgress,
    CampaignState,
    campaign_from_row,
    progress_from_counts,
)
from bot.storage.connection import SqliteConnection
from bot.storage.queue_models import Audience
from bot.storage.timestamps import maybe_from_db, to_db

CAMPAIGN_COLUMNS: Final = (
    "id, state, created_by, admin_chat_id, texts, audience, send_at, awaiting, paid, "
    "created_at, started_at, finished_at, reported_at, total, sent, blocked, failed, dropped"
)
UPDATABLE: Final = frozenset({"texts", "audience", "send_at", "awaiting", "paid"})


def draft_values(
    changes: Mapping[str, Any],
    encode_time: Callable[[dt.datetime], object],
    encode_flag: Callable[[bool], object],
) -> dict[str, object]:
    """The columns an edit of a draft writes, encoded for one backend (its timestamps
    and booleans); both backends share the rest. A key that is not editable is refused."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    values: dict[str, object] = {}
    for key, value in changes.items():
        if key == "texts":
            values[key] = json.dumps(dict(value), ensure_ascii=False)
        elif key == "audience":
            values[key] = value.to_json()
        elif key == "send_at":
            values[key] = None if value is None else encode_time(value)
        elif key == "paid":
            values[key] = encode_flag(bool(value))
        else:
            values[key] = value
    return values


def _row(row: Any) -> Campaign:
    return campaign_from_row(row, maybe_from_db)


class SqliteCampaigns:
    """:class:`~bot.storage.interface.CampaignRecords` on the shared SQLite connection."""

    def __init__(self, conn: SqliteConnection) -> None:
        self._conn = conn

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
        rows = await self._conn.fetch(
            "INSERT INTO campaigns (state, created_by, admin_chat_id, texts, audience, "
            "send_at, awaiting, paid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"RETURNING {CAMPAIGN_COLUMNS}",
            (
                state,
                created_by,
                admin_chat_id,
                json.dumps(dict(texts), ensure_ascii=False),
                spec.to_json(),
                None if send_at is None else to_db(send_at),
                awaiting,
                1 if paid else 0,
                to_db(now),
            ),
        )
        return _row(rows[0])

    async def get(self, campaign_id: int) -> Campaign | None:
        rows = await self._conn.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?", (campaign_id,)
        )
        return _row(rows[0]) if rows else None

    async def draft_of(self, admin_id: int) -> Campaign | None:
        rows = await self._conn.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE created_by = ? AND state = 'draft' "
            "ORDER BY id DESC LIMIT 1",
            (admin_id,),
        )
        return _row(rows[0]) if rows else None

    async def update_draft(self, campaign_id: int, changes: Mapping[str, Any]) -> None:
        values = draft_values(changes, to_db, int)
        if not values:
            return
        assignments = ", ".join(f"{key} = ?" for key in values)
        async with self._conn.transaction() as conn:
            await conn.execute(
                f"UPDATE campaigns SET {assignments} WHERE id = ? AND state = 'draft'",
                (*values.values(), campaign_id),
            )

    async def schedule(self, campaign_id: int, send_at: dt.datetime) -> bool:
        rows = await self._conn.fetch(
            "UPDATE campaigns SET state = 'scheduled', send_at = ?, awaiting = NULL "
            "WHERE id = ? AND state = 'draft' RETURNING id",
            (to_db(send_at), campaign_id),
        )
        return bool(rows)

    async def count_audience(self, audience: Audience) -> int:
        where, params = audience_where(audience, SQLITE)
        rows = await self._conn.fetch(f"SELECT COUNT(*) FROM users WHERE {where}", params)
        return int(rows[0][0]) if rows else 0

    async def due(self, now: dt.datetime) -> list[Campaign]:
        rows = await self._conn.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'scheduled' AND send_at <= ? "
            "ORDER BY send_at, id",
            (to_db(now),),
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

    async def in_progress(self) -> list[Campaign]:
        rows = await self._conn.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'sending' ORDER BY id"
        )
        return [_row(row) for row in rows]

    async def finish(self, campaign_id: int, progress: CampaignProgress, now: dt.datetime) -> None:
        async with self._conn.transaction() as conn:
            await conn.execute(
                "UPDATE campaigns SET state = CASE WHEN state = 'sending' THEN 'done' ELSE state "
                "END, finished_at = ?, total = MAX(total, ?), sent = ?, blocked = ?, failed = ?, "
                "dropped = ? WHERE id = ? AND state IN ('sending', 'cancelled')",
                (
                    to_db(now),
                    progress.total,
                    progress.sent,
                    progress.blocked,
                    progress.failed,
                    progress.dropped,
                    campaign_id,
                ),
            )

    async def mark_reported(self, campaign_id: int, now: dt.datetime) -> None:
        async with self._conn.transaction() as conn:
            await conn.execute(
                "UPDATE campaigns SET reported_at = ? WHERE id = ?", (to_db(now), campaign_id)
            )

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

    async def recent(self, limit: int) -> list[Campaign]:
        rows = await self._conn.fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state != 'draft' ORDER BY "
            "CASE state WHEN 'sending' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, "
            "CASE WHEN state = 'scheduled' THEN send_at END, id DESC LIMIT ?",
            (limit,),
        )
        return [_row(row) for row in rows]
