"""Value types of the send queue as storage sees it: rows to insert, claimed rows, audiences.

Why here and not in :mod:`bot.delivery`: every storage backend (SQLite, PostgreSQL)
reads and writes these, and storage must not import the delivery layer. Message
payloads cross this boundary as the JSON text :class:`~bot.delivery.payload.MessagePayload`
writes; encoding and decoding them is the delivery layer's job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

OutboxKind = Literal["reminder", "broadcast", "notice"]
OutboxState = Literal["pending", "sending", "sent", "failed", "dropped"]
KINDS: Final[frozenset[str]] = frozenset(get_args(OutboxKind))
STATES: Final[frozenset[str]] = frozenset(get_args(OutboxState))
FINAL_STATES: Final[frozenset[str]] = frozenset({"sent", "failed", "dropped"})


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One message to insert into the queue; ``payload`` is JSON text (``None`` for a
    broadcast row, whose text is stored once with the broadcast)."""

    chat_id: int
    user_id: int | None
    kind: OutboxKind
    priority: int
    payload: str | None
    not_before: dt.datetime


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A row moved to ``sending`` by a claim; ``payload`` is its JSON text (or the
    broadcast's), ``None`` only if the row lost it."""

    id: int
    chat_id: int
    user_id: int | None
    kind: OutboxKind
    priority: int
    payload: str | None
    attempts: int
    broadcast_id: int | None
    reminder_id: int | None
    paid: bool
    not_before: dt.datetime


def claimed_from_row(row: Sequence[Any], when: Callable[[Any], dt.datetime]) -> ClaimedMessage:
    """A :class:`ClaimedMessage` from a claim's row (both backends select the same
    columns; ``when`` decodes the backend's timestamp)."""
    return ClaimedMessage(
        id=row[0],
        chat_id=row[1],
        user_id=row[2],
        kind=row[3],
        priority=row[4],
        payload=row[5],
        attempts=row[6],
        broadcast_id=row[7],
        reminder_id=row[8],
        paid=bool(row[9]),
        not_before=when(row[10]),
    )


@dataclass(frozen=True, slots=True)
class Audience:
    """Active users selected by their stored locale, assessment summary and deadlines.

    Every filter is optional; given filters must all match. ``None`` in
    ``citizenships``/``statuses`` selects users without a summary yet.
    ``deadline_between`` (first day, last day, both included) selects users whose
    latest result has a deadline in that window. A broadcast has one text, so an
    admin's message in several languages is one broadcast per locale. Each backend
    turns an audience into its own SQL (:mod:`bot.storage.audience_sql`).
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
