"""The campaign statements both backends share, written once.

Why: SQLite and PostgreSQL keep the same ``campaigns`` table and mean the same by
finding, editing, scheduling, finishing and listing a campaign; only the spelling
differs (:mod:`bot.storage.dialect`). What each backend does its own way stays in its
module: starting a campaign and cancelling one (a transaction over the outbox, which
each backend writes in its own way) and counting progress (``LIKE`` on SQLite,
``ILIKE`` on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from bot.storage.audience_sql import audience_where
from bot.storage.campaign_models import (
    AudienceSpec,
    Campaign,
    CampaignProgress,
    CampaignState,
    campaign_from_row,
)
from bot.storage.dialect import Dialect, Fetcher
from bot.storage.queue_models import Audience

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


class CampaignQueries:
    """The part of :class:`~bot.storage.interface.CampaignRecords` both backends share.

    Each statement is a single one, so each backend runs it atomically on its own
    (SQLite in autocommit mode, PostgreSQL in a transaction of its own).
    """

    def __init__(self, db: Fetcher, dialect: Dialect) -> None:
        self._db = db
        self._dialect = dialect

    async def _fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return await self._db.fetch(self._dialect.sql(sql), params)

    def _row(self, row: Sequence[Any]) -> Campaign:
        return campaign_from_row(row, self._dialect.read_moment)

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
        moment = self._dialect.moment
        rows = await self._fetch(
            "INSERT INTO campaigns (state, created_by, admin_chat_id, texts, audience, "
            "send_at, awaiting, paid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"RETURNING {CAMPAIGN_COLUMNS}",
            (
                state,
                created_by,
                admin_chat_id,
                json.dumps(dict(texts), ensure_ascii=False),
                spec.to_json(),
                None if send_at is None else moment(send_at),
                awaiting,
                self._dialect.flag(bool(paid)),
                moment(now),
            ),
        )
        return self._row(rows[0])

    async def get(self, campaign_id: int) -> Campaign | None:
        rows = await self._fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?", (campaign_id,)
        )
        return self._row(rows[0]) if rows else None

    async def draft_of(self, admin_id: int) -> Campaign | None:
        rows = await self._fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE created_by = ? AND state = 'draft' "
            "ORDER BY id DESC LIMIT 1",
            (admin_id,),
        )
        return self._row(rows[0]) if rows else None

    async def update_draft(self, campaign_id: int, changes: Mapping[str, Any]) -> None:
        values = draft_values(changes, self._dialect.moment, self._dialect.flag)
        if not values:
            return
        assignments = ", ".join(f"{key} = ?" for key in values)
        await self._fetch(
            f"UPDATE campaigns SET {assignments} WHERE id = ? AND state = 'draft'",
            (*values.values(), campaign_id),
        )

    async def schedule(self, campaign_id: int, send_at: dt.datetime) -> bool:
        rows = await self._fetch(
            "UPDATE campaigns SET state = 'scheduled', send_at = ?, awaiting = NULL "
            "WHERE id = ? AND state = 'draft' RETURNING id",
            (self._dialect.moment(send_at), campaign_id),
        )
        return bool(rows)

    async def count_audience(self, audience: Audience) -> int:
        where, params = audience_where(audience, self._dialect)
        rows = await self._db.fetch(f"SELECT COUNT(*) FROM users WHERE {where}", params)
        return int(rows[0][0]) if rows else 0

    async def due(self, now: dt.datetime) -> list[Campaign]:
        rows = await self._fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'scheduled' AND send_at <= ? "
            "ORDER BY send_at, id",
            (self._dialect.moment(now),),
        )
        return [self._row(row) for row in rows]

    async def in_progress(self) -> list[Campaign]:
        rows = await self._fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'sending' ORDER BY id"
        )
        return [self._row(row) for row in rows]

    async def finish(self, campaign_id: int, progress: CampaignProgress, now: dt.datetime) -> None:
        await self._fetch(
            "UPDATE campaigns SET state = CASE WHEN state = 'sending' THEN 'done' ELSE state "
            f"END, finished_at = ?, total = {self._dialect.greatest}(total, ?), sent = ?, "
            "blocked = ?, failed = ?, dropped = ? "
            "WHERE id = ? AND state IN ('sending', 'cancelled')",
            (
                self._dialect.moment(now),
                progress.total,
                progress.sent,
                progress.blocked,
                progress.failed,
                progress.dropped,
                campaign_id,
            ),
        )

    async def mark_reported(self, campaign_id: int, now: dt.datetime) -> None:
        await self._fetch(
            "UPDATE campaigns SET reported_at = ? WHERE id = ?",
            (self._dialect.moment(now), campaign_id),
        )

    async def recent(self, limit: int) -> list[Campaign]:
        rows = await self._fetch(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state != 'draft' ORDER BY "
            "CASE state WHEN 'sending' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, "
            "CASE WHEN state = 'scheduled' THEN send_at END, id DESC LIMIT ?",
            (limit,),
        )
        return [self._row(row) for row in rows]
