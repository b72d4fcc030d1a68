"""Admin broadcasts ("campaigns"): texts per language, an audience, a time, progress.

Why a table of its own: an admin writes one message in up to five languages, picks
who gets it and when, and wants to see scheduled and past broadcasts later. The send
queue only knows "this text to these chats" (``broadcasts`` + ``outbox``), so a
campaign becomes, when it is due, one ``broadcasts`` row per locale and one outbox
row per recipient — all in one transaction with the campaign's switch from
``scheduled`` to ``sending``. A restart before that moment loses nothing (the
campaign is still ``scheduled``); a restart after it is the outbox's business
(at-least-once, see :mod:`bot.delivery.outbox`). Either way no campaign is
materialised twice.

Life cycle::

    draft ──confirm──▶ scheduled ──due──▶ sending ──all rows final──▶ done
      └────────────────────┴─────────cancel────────┴──▶ cancelled

The audience is selected when the campaign is due, not when it is written: people
who deleted their data, blocked the bot or changed their language in between are
treated as they are at sending time. Users whose language has no text get the
Russian one (the admin is told so in the preview).

Texts are Telegram HTML. Final counts are copied into the campaign row, because the
retention job prunes old outbox rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, get_args

from bot.delivery.items import PRIORITY_BROADCAST, Audience
from bot.delivery.outbox import Outbox
from bot.delivery.payload import MessagePayload
from bot.storage.connection import SqliteConnection
from bot.storage.timestamps import from_db, maybe_from_db, to_db

CampaignState = Literal["draft", "scheduled", "sending", "done", "cancelled"]
CAMPAIGN_STATES: Final[frozenset[str]] = frozenset(get_args(CampaignState))
FALLBACK_LOCALE: Final = "ru"
MAX_DEADLINE_DAYS: Final = 366


@dataclass(frozen=True, slots=True)
class AudienceSpec:
    """Who an admin wants to reach; ``None`` means "any" for that filter."""

    locales: tuple[str, ...] | None = None
    citizenships: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    deadline_within_days: int | None = None
    """Users with a deadline from today to today + N days (Moscow time)."""

    def __post_init__(self) -> None:
        for name in ("locales", "citizenships", "statuses"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    raise ValueError(f"{name} must be a list, not one string")
                object.__setattr__(self, name, tuple(sorted(set(value))))
        days = self.deadline_within_days
        if days is not None and (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not 0 <= days <= MAX_DEADLINE_DAYS
        ):
            raise ValueError(f"deadline_within_days must be 0-{MAX_DEADLINE_DAYS}")

    def to_json(self) -> str:
        data = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in (
                ("locales", self.locales),
                ("citizenships", self.citizenships),
                ("statuses", self.statuses),
                ("deadline_within_days", self.deadline_within_days),
            )
            if value is not None
        }
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None) -> AudienceSpec:
        """Parse a stored spec; a damaged one reads as "everyone" is *not* acceptable,
        so it raises ``ValueError`` and the campaign cannot be sent until fixed."""
        data = json.loads(raw or "{}")
        if not isinstance(data, dict):
            raise ValueError("audience must be a JSON object")

        def names(key: str) -> tuple[str, ...] | None:
            value = data.get(key)
            if value is None:
                return None
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"audience {key} must be a list of strings")
            return tuple(value)

        return cls(
            locales=names("locales"),
            citizenships=names("citizenships"),
            statuses=names("statuses"),
            deadline_within_days=data.get("deadline_within_days"),
        )

    def toggled(self, name: str, value: str, everything: Sequence[str]) -> AudienceSpec:
        """The spec with ``value`` added to or removed from filter ``name``.

        Removing the last value, or adding the last missing one, means "any" again.
        """
        if name not in ("locales", "citizenships", "statuses"):
            raise ValueError(f"no filter {name!r}")
        current = getattr(self, name)
        chosen = set(current) if current is not None else set()
        chosen ^= {value}
        values: tuple[str, ...] | None = tuple(chosen)
        if not chosen or chosen >= set(everything):
            values = None
        changes: dict[str, Any] = {name: values}
        return replace(self, **changes)

    def target_locales(self, all_locales: Sequence[str]) -> list[str]:
        """Locales to send to, in ``all_locales`` order."""
        return [loc for loc in all_locales if self.locales is None or loc in self.locales]

    def audience(self, locale: str, today: dt.date) -> Audience:
        """The SQL audience for one locale on ``today``."""
        window = None
        if self.deadline_within_days is not None:
            window = (today, today + dt.timedelta(days=self.deadline_within_days))
        return Audience(
            locales=frozenset({locale}),
            citizenships=None if self.citizenships is None else frozenset(self.citizenships),
            statuses=None if self.statuses is None else frozenset(self.statuses),
            deadline_between=window,
        )


@dataclass(frozen=True, slots=True)
class Campaign:
    """One admin broadcast as stored."""

    id: int
    state: CampaignState
    created_by: int | None
    admin_chat_id: int | None
    texts: dict[str, str]
    spec: AudienceSpec
    send_at: dt.datetime | None
    awaiting: str | None
    paid: bool
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    """Final counts (``total``, ``sent``, ``blocked``, ``failed``, ``dropped``)."""

    def text_for(self, locale: str) -> str | None:
        """The text users in ``locale`` get: their own, else the Russian one."""
        return self.texts.get(locale) or self.texts.get(FALLBACK_LOCALE)

    def missing(self, all_locales: Sequence[str]) -> list[str]:
        """Target locales without their own text (they get the Russian one)."""
        return [loc for loc in self.spec.target_locales(all_locales) if not self.texts.get(loc)]


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """Live counts of a campaign's outbox rows."""

    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    dropped: int = 0
    pending: int = 0

    @property
    def done(self) -> bool:
        return self.pending == 0

    def as_counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "sent": self.sent,
            "blocked": self.blocked,
            "failed": self.failed,
            "dropped": self.dropped,
        }


_COLUMNS: Final = (
    "id, state, created_by, admin_chat_id, texts, audience, send_at, awaiting, paid, "
    "created_at, started_at, finished_at, reported_at, total, sent, blocked, failed, dropped"
)
_UPDATABLE: Final = frozenset({"texts", "audience", "send_at", "awaiting", "paid"})


def _texts(raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str) and v.strip()}


def _campaign(row: Any) -> Campaign:
    try:
        spec = AudienceSpec.from_json(row[5])
    except (ValueError, TypeError):
        spec = AudienceSpec(locales=())  # damaged: nobody, never everybody
    return Campaign(
        id=int(row[0]),
        state=row[1],
        created_by=row[2],
        admin_chat_id=row[3],
        texts=_texts(row[4]),
        spec=spec,
        send_at=maybe_from_db(row[6]),
        awaiting=row[7],
        paid=bool(row[8]),
        created_at=from_db(row[9]),
        started_at=maybe_from_db(row[10]),
        finished_at=maybe_from_db(row[11]),
        reported_at=maybe_from_db(row[12]),
        counts={
            "total": int(row[13]),
            "sent": int(row[14]),
            "blocked": int(row[15]),
            "failed": int(row[16]),
            "dropped": int(row[17]),
        },
    )


def check_texts(texts: Mapping[str, str]) -> None:
    """Raise ``ValueError`` unless there is a Russian text and every text fits a message."""
    if not (texts.get(FALLBACK_LOCALE) or "").strip():
        raise ValueError("a Russian text is required: it also goes to users without their own")
    for text in texts.values():
        MessagePayload(text, parse_mode="HTML")  # length and emptiness checks


class CampaignStore:
    """SQLite storage and materialisation of campaigns, on the shared connection."""

    def __init__(self, outbox: Outbox) -> None:
        """Campaigns write outbox rows through ``outbox``'s connection and wake its sender."""
        self._outbox = outbox
        self._conn: SqliteConnection = outbox.connection

    # ------------------------------------------------------------------ drafts
    async def create(
        self,
        *,
        now: dt.datetime,
        created_by: int | None = None,
        admin_chat_id: int | None = None,
        texts: Mapping[str, str] | None = None,
        spec: AudienceSpec | None = None,
        send_at: dt.datetime | None = None,
        paid: bool = False,
        state: CampaignState = "draft",
        awaiting: str | None = None,
    ) -> Campaign:
        """Insert a campaign (a draft, or ``scheduled`` straight from the command line)."""
        if state not in ("draft", "scheduled"):
            raise ValueError("a new campaign is a draft or scheduled")
        if state == "scheduled":
            check_texts(texts or {})
            if send_at is None:
                raise ValueError("a scheduled campaign needs send_at")
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO campaigns (state, created_by, admin_chat_id, texts, audience, "
                "send_at, awaiting, paid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    state,
                    created_by,
                    admin_chat_id,
                    json.dumps(dict(texts or {}), ensure_ascii=False),
                    (spec or AudienceSpec()).to_json(),
                    None if send_at is None else to_db(send_at),
                    awaiting,
                    1 if paid else 0,
                    to_db(now),
                ),
            )
            campaign_id = int(cur.lastrowid or 0)
            await cur.close()
        found = await self.get(campaign_id)
        assert found is not None
        return found

    async def get(self, campaign_id: int) -> Campaign | None:
        async with (
            self._conn.read() as conn,
            conn.execute(f"SELECT {_COLUMNS} FROM campaigns WHERE id = ?", (campaign_id,)) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else _campaign(row)

    async def draft_of(self, admin_id: int) -> Campaign | None:
        """The admin's newest draft, if any."""
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_COLUMNS} FROM campaigns WHERE created_by = ? AND state = 'draft' "
                "ORDER BY id DESC LIMIT 1",
                (admin_id,),
            ) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else _campaign(row)

    async def update_draft(self, campaign_id: int, **changes: Any) -> Campaign | None:
        """Change a draft's ``texts``, ``audience`` (an :class:`AudienceSpec`), ``send_at``,
        ``awaiting`` or ``paid``; ``None`` if it is no longer a draft."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        values: dict[str, object] = {}
        for key, value in changes.items():
            if key == "texts":
                values[key] = json.dumps(dict(value), ensure_ascii=False)
            elif key == "audience":
                values[key] = value.to_json()
            elif key == "send_at":
                values[key] = None if value is None else to_db(value)
            elif key == "paid":
                values[key] = 1 if value else 0
            else:
                values[key] = value
        if values:
            assignments = ", ".join(f"{key} = ?" for key in values)
            async with self._conn.transaction() as conn:
                await conn.execute(
                    f"UPDATE campaigns SET {assignments} WHERE id = ? AND state = 'draft'",
                    (*values.values(), campaign_id),
                )
        found = await self.get(campaign_id)
        return found if found is not None and found.state == "draft" else None

    async def schedule(self, campaign_id: int, send_at: dt.datetime) -> Campaign | None:
        """Confirm a draft: it is sent at ``send_at`` (now or later). ``None`` if not a draft."""
        campaign = await self.get(campaign_id)
        if campaign is None or campaign.state != "draft":
            return None
        check_texts(campaign.texts)
        async with self._conn.transaction() as conn:
            await conn.execute(
                "UPDATE campaigns SET state = 'scheduled', send_at = ?, awaiting = NULL "
                "WHERE id = ? AND state = 'draft'",
                (to_db(send_at), campaign_id),
            )
        return await self.get(campaign_id)

    # ------------------------------------------------------------------ audience
    async def count(
        self, spec: AudienceSpec, all_locales: Sequence[str], today: dt.date
    ) -> dict[str, int]:
        """Recipients per target locale if the campaign were sent ``today``."""
        counts: dict[str, int] = {}
        async with self._conn.read() as conn:
            for locale in spec.target_locales(all_locales):
                where, params = spec.audience(locale, today).where()
                async with conn.execute(f"SELECT COUNT(*) FROM users WHERE {where}", params) as cur:
                    row = await cur.fetchone()
                counts[locale] = int(row[0]) if row else 0
        return counts

    # ------------------------------------------------------------------ sending
    async def due(self, now: dt.datetime) -> list[Campaign]:
        """Scheduled campaigns whose time has come, oldest first."""
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_COLUMNS} FROM campaigns WHERE state = 'scheduled' AND send_at <= ? "
                "ORDER BY send_at, id",
                (to_db(now),),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [_campaign(row) for row in rows]

    async def start(
        self, campaign_id: int, *, now: dt.datetime, today: dt.date, all_locales: Sequence[str]
    ) -> Campaign | None:
        """Materialise a due campaign into the outbox, atomically; ``None`` if not due.

        One ``broadcasts`` row per target locale (its own text or the Russian one),
        recipients selected inside SQLite. A campaign with nobody to reach is ``done``
        at once.
        """
        campaign = await self.get(campaign_id)
        if campaign is None or campaign.state != "scheduled":
            return None
        if campaign.send_at is not None and campaign.send_at > now:
            return None
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
            for locale in campaign.spec.target_locales(all_locales):
                text = campaign.text_for(locale)
                if text is None:
                    continue
                payload = MessagePayload(text, parse_mode="HTML")
                cur = await conn.execute(
                    "INSERT INTO broadcasts (payload, paid, created_at, campaign_id) "
                    "VALUES (?, ?, ?, ?)",
                    (payload.to_json(), 1 if campaign.paid else 0, stamp, campaign_id),
                )
                broadcast_id = int(cur.lastrowid or 0)
                await cur.close()
                where, params = campaign.spec.audience(locale, today).where()
                cur = await conn.execute(
                    "INSERT INTO outbox (chat_id, user_id, kind, priority, payload, not_before, "
                    "broadcast_id, created_at) SELECT chat_id, user_id, 'broadcast', ?, NULL, ?, "
                    f"?, ? FROM users WHERE {where} ORDER BY user_id",
                    (PRIORITY_BROADCAST, stamp, broadcast_id, stamp, *params),
                )
                total += max(cur.rowcount, 0)
                await cur.close()
            if total:
                await conn.execute(
                    "UPDATE campaigns SET total = ? WHERE id = ?", (total, campaign_id)
                )
            else:
                await conn.execute(
                    "UPDATE campaigns SET state = 'done', finished_at = ?, total = 0 WHERE id = ?",
                    (stamp, campaign_id),
                )
        if total:
            self._outbox.notify()
        return await self.get(campaign_id)

    async def progress(self, campaign_id: int) -> CampaignProgress:
        """Live counts from the outbox (blocked = failed with Telegram's 403)."""
        async with (
            self._conn.read() as conn,
            conn.execute(
                "SELECT o.state, o.last_error LIKE 'forbidden%', COUNT(*) FROM outbox AS o "
                "JOIN broadcasts AS b ON b.id = o.broadcast_id WHERE b.campaign_id = ? "
                "GROUP BY 1, 2",
                (campaign_id,),
            ) as cur,
        ):
            rows = await cur.fetchall()
        counts = {"sent": 0, "blocked": 0, "failed": 0, "dropped": 0, "pending": 0}
        for state, forbidden, number in rows:
            if state == "failed":
                counts["blocked" if forbidden else "failed"] += int(number)
            elif state in ("pending", "sending"):
                counts["pending"] += int(number)
            else:
                counts[str(state)] += int(number)
        return CampaignProgress(total=sum(counts.values()), **counts)

    async def in_progress(self) -> list[Campaign]:
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_COLUMNS} FROM campaigns WHERE state = 'sending' ORDER BY id"
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [_campaign(row) for row in rows]

    async def finish(
        self, campaign_id: int, progress: CampaignProgress, now: dt.datetime
    ) -> Campaign | None:
        """Record the final counts of a campaign whose rows are all final."""
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
        return await self.get(campaign_id)

    async def mark_reported(self, campaign_id: int, now: dt.datetime) -> None:
        async with self._conn.transaction() as conn:
            await conn.execute(
                "UPDATE campaigns SET reported_at = ? WHERE id = ?", (to_db(now), campaign_id)
            )

    async def cancel(self, campaign_id: int, now: dt.datetime) -> tuple[Campaign | None, int]:
        """Cancel a draft, scheduled or sending campaign; returns it and the rows dropped.

        Rows already handed to Telegram still arrive; only pending ones are dropped.
        """
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE campaigns SET state = 'cancelled', finished_at = ?, awaiting = NULL "
                "WHERE id = ? AND state IN ('draft', 'scheduled', 'sending')",
                (to_db(now), campaign_id),
            )
            changed = cur.rowcount > 0
            await cur.close()
            dropped = 0
            if changed:
                cur = await conn.execute(
                    "UPDATE outbox SET state = 'dropped', last_error = 'broadcast cancelled', "
                    "payload = NULL WHERE state = 'pending' AND broadcast_id IN "
                    "(SELECT id FROM broadcasts WHERE campaign_id = ?)",
                    (campaign_id,),
                )
                dropped = max(cur.rowcount, 0)
                await cur.close()
        campaign = await self.get(campaign_id)
        if changed and campaign is not None and campaign.started_at is not None:
            campaign = await self.finish(campaign_id, await self.progress(campaign_id), now)
        return (campaign if changed else None), dropped

    async def recent(self, limit: int = 20) -> list[Campaign]:
        """Scheduled and sending campaigns first (soonest first), then the latest others."""
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_COLUMNS} FROM campaigns WHERE state != 'draft' ORDER BY "
                "CASE state WHEN 'sending' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, "
                "CASE WHEN state = 'scheduled' THEN send_at END, id DESC LIMIT ?",
                (limit,),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [_campaign(row) for row in rows]


def merge_texts(
    texts: Mapping[str, str], updates: Iterable[tuple[str, str | None]]
) -> dict[str, str]:
    """``texts`` with some locales set (``None`` removes one)."""
    merged = dict(texts)
    for locale, text in updates:
        if text is None:
            merged.pop(locale, None)
        else:
            merged[locale] = text
    return merged
