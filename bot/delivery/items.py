"""Value types of the send queue: what is enqueued, what is claimed, progress, audiences.

Kept apart from :mod:`bot.delivery.outbox` (the SQL) so a PostgreSQL implementation of
:class:`~bot.delivery.outbox.OutboxStore` can share them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from bot.delivery.payload import MessagePayload

OutboxKind = Literal["reminder", "broadcast", "notice"]
OutboxState = Literal["pending", "sending", "sent", "failed", "dropped"]
KINDS: Final[frozenset[str]] = frozenset(get_args(OutboxKind))
STATES: Final[frozenset[str]] = frozenset(get_args(OutboxState))

PRIORITY_NOTICE: Final = 0
PRIORITY_REMINDER: Final = 10
PRIORITY_BROADCAST: Final = 20
DEFAULT_PRIORITY: Final[dict[str, int]] = {
    "notice": PRIORITY_NOTICE,
    "reminder": PRIORITY_REMINDER,
    "broadcast": PRIORITY_BROADCAST,
}
"""Lower is sent first: a deadline reminder never waits behind a broadcast."""

MAX_ERROR_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message to enqueue. ``priority`` defaults from ``kind``; ``not_before`` to now."""

    chat_id: int
    payload: MessagePayload
    kind: OutboxKind = "notice"
    user_id: int | None = None
    priority: int | None = None
    not_before: dt.datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.chat_id, bool) or not isinstance(self.chat_id, int):
            raise ValueError("chat_id must be an integer")
        if self.user_id is not None and (
            isinstance(self.user_id, bool) or not isinstance(self.user_id, int)
        ):
            raise ValueError("user_id must be an integer or None")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        if not isinstance(self.payload, MessagePayload):
            raise ValueError("payload must be a MessagePayload")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A claimed row, ready to send. ``payload`` is ``None`` if the stored JSON is damaged."""

    id: int
    chat_id: int
    user_id: int | None
    kind: OutboxKind
    priority: int
    payload: MessagePayload | None
    attempts: int
    broadcast_id: int | None
    reminder_id: int | None
    paid: bool
    not_before: dt.datetime


@dataclass(frozen=True, slots=True)
class BroadcastProgress:
    """Counts by state for one broadcast (for the admin's progress message)."""

    broadcast_id: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All recipients."""
        return sum(self.counts.values())

    @property
    def remaining(self) -> int:
        """Not yet finished (pending or in flight)."""
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def done(self) -> bool:
        """Every recipient has a final state."""
        return self.remaining == 0

    def __getitem__(self, state: str) -> int:
        return self.counts.get(state, 0)


@dataclass(frozen=True, slots=True)
class Audience:
    """Active users selected by their stored locale, assessment summary and deadlines.

    Every filter is optional; given filters must all match. ``None`` in
    ``citizenships``/``statuses`` selects users without a summary yet.
    ``deadline_between`` (first day, last day, both included) selects users whose
    latest result has a deadline in that window (``user_deadlines``). A broadcast has
    one text, so an admin's message in several languages is one broadcast per locale.
    """

    locales: frozenset[str] | None = None
    citizenships: frozenset[str | None] | None = None
    statuses: frozenset[str | None] | None = None
    deadline_between: tuple[dt.date, dt.date] | None = None

    def __post_init__(self) -> None:
        for name in ("locales", "citizenships", "statuses"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    raise ValueError(f"{name} must be a collection of strings, not one string")
                object.__setattr__(self, name, frozenset(value))
        window = self.deadline_between
        if window is not None and (
            len(window) != 2
            or not all(isinstance(day, dt.date) for day in window)
            or window[0] > window[1]
        ):
            raise ValueError("deadline_between must be (first day, last day) in order")

    def where(self) -> tuple[str, list[object]]:
        """SQL condition on ``users`` and its parameters."""
        clauses: list[str] = ["active = 1"]
        params: list[object] = []
        for column, values in (
            ("locale", self.locales),
            ("citizenship", self.citizenships),
            ("status", self.statuses),
        ):
            if values is None:
                continue
            named = sorted(v for v in values if v is not None)
            parts = []
            if named:
                parts.append(f"{column} IN ({', '.join('?' * len(named))})")
                params.extend(named)
            if None in values:
                parts.append(f"{column} IS NULL")
            clauses.append("(" + " OR ".join(parts or ["0"]) + ")")
        if self.deadline_between is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM user_deadlines AS d WHERE d.user_id = users.user_id "
                "AND d.deadline_date BETWEEN ? AND ?)"
            )
            params.extend(day.isoformat() for day in self.deadline_between)
        return " AND ".join(clauses), params
