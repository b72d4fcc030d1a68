"""Value types of admin broadcasts ("campaigns"): who to reach, the stored campaign, progress.

Why in storage: every backend returns :class:`Campaign` rows and selects recipients
by :class:`AudienceSpec`; the workflow around them (drafts, scheduling, sending) is
:mod:`bot.delivery.campaigns`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, get_args

from bot.storage.queue_models import Audience

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


@dataclass(frozen=True, slots=True)
class CampaignPart:
    """One locale's share of a campaign being started: its message (payload JSON text)
    and who gets it."""

    payload: str
    audience: Audience


def texts_from_json(raw: str | None) -> dict[str, str]:
    """Stored texts by locale; a damaged value reads as no texts (never crashes a listing)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str) and v.strip()}


def campaign_from_row(row: Sequence[Any], when: Callable[[Any], dt.datetime | None]) -> Campaign:
    """A :class:`Campaign` from a row of the backends' shared column list.

    ``when`` decodes the backend's timestamps (text in SQLite, native in PostgreSQL).
    """
    try:
        spec = AudienceSpec.from_json(row[5])
    except (ValueError, TypeError):
        spec = AudienceSpec(locales=())  # damaged: nobody, never everybody
    created_at = when(row[9])
    assert created_at is not None
    return Campaign(
        id=int(row[0]),
        state=row[1],
        created_by=row[2],
        admin_chat_id=row[3],
        texts=texts_from_json(row[4]),
        spec=spec,
        send_at=when(row[6]),
        awaiting=row[7],
        paid=bool(row[8]),
        created_at=created_at,
        started_at=when(row[10]),
        finished_at=when(row[11]),
        reported_at=when(row[12]),
        counts={
            "total": int(row[13]),
            "sent": int(row[14]),
            "blocked": int(row[15]),
            "failed": int(row[16]),
            "dropped": int(row[17]),
        },
    )


def progress_from_counts(rows: Iterable[tuple[str, bool, int]]) -> CampaignProgress:
    """Live progress from ``(outbox state, failed with Telegram's 403, count)`` groups."""
    counts = {"sent": 0, "blocked": 0, "failed": 0, "dropped": 0, "pending": 0}
    for state, forbidden, number in rows:
        if state == "failed":
            counts["blocked" if forbidden else "failed"] += number
        elif state in ("pending", "sending"):
            counts["pending"] += number
        else:
            counts[state] += number
    return CampaignProgress(total=sum(counts.values()), **counts)
