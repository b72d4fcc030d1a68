"""Value types of the send queue as the sender sees them: what is enqueued, what is
claimed (payload decoded), progress. Audiences and the row kinds and states are
storage's own (:mod:`bot.storage.queue_models`) and re-exported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

from bot.delivery.payload import MessagePayload
from bot.storage.queue_models import KINDS, STATES, Audience, OutboxKind, OutboxState

__all__ = [
    "DEFAULT_PRIORITY",
    "KINDS",
    "MAX_ERROR_LENGTH",
    "PRIORITY_BROADCAST",
    "PRIORITY_NOTICE",
    "PRIORITY_REMINDER",
    "STATES",
    "Audience",
    "BroadcastProgress",
    "OutboxItem",
    "OutboxKind",
    "OutboxRow",
    "OutboxState",
]

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
