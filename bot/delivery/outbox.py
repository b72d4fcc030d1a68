"""The durable send queue: one table for reminders, broadcasts and notices.

Why a table and not PTB's JobQueue or an in-memory queue: a broadcast to 100,000
users takes about an hour at 30 msg/s, and reminders are promises made weeks ahead.
Both must survive restarts and crashes, and an admin must be able to see progress.

Row life cycle::

    pending ──claim──▶ sending ──▶ sent
       ▲                  │   └──▶ failed   (BadRequest, too many network errors, 403)
       └──release/recover─┘   └──▶ dropped  (the user blocked the bot; broadcast cancelled)

Delivery policy — at-least-once. Telegram has no idempotency key: if the process
dies after Telegram accepted a message but before ``mark_sent`` committed, nobody
can know whether it went out. :meth:`Outbox.recover_in_flight` (run at start) puts
such ``sending`` rows back to ``pending``, so a message in flight at a crash may be
delivered twice but is never lost. The alternative (at-most-once: mark them
``failed``) would silently lose deadline reminders, which is worse for a migrant than
a duplicate. The window is small: a delivered row stays ``sending`` until the sender
records it (batched: at most 50 rows or 100 ms later), and rows waiting in the sender's
memory (per-chat pacing, back-off) are ``sending`` but not yet delivered.

Several processes (DESIGN.md, "Growing past one machine"): the storage backend's
``claim`` never hands one row to two claimers (SQLite serialises writers; PostgreSQL
uses ``FOR UPDATE SKIP LOCKED``). With several processes on one database,
``recover_in_flight(claimed_before=now - lease)`` runs periodically instead of only at
start, so a dead process's claims go back to ``pending`` after the lease while live
claims of other processes are left alone.

Privacy: the message text is needed only until delivery; ``mark_sent``/``mark_failed``/
``drop_*`` clear the stored payload. Broadcast texts are stored once in
``broadcasts`` rather than per recipient.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Final, Protocol

from bot.delivery.clock import SYSTEM_CLOCK, Clock
from bot.delivery.items import (
    DEFAULT_PRIORITY,
    KINDS,
    MAX_ERROR_LENGTH,
    PRIORITY_BROADCAST,
    PRIORITY_NOTICE,
    PRIORITY_REMINDER,
    STATES,
    Audience,
    BroadcastProgress,
    OutboxItem,
    OutboxKind,
    OutboxRow,
    OutboxState,
)
from bot.delivery.payload import MessagePayload
from bot.storage import Storage
from bot.storage.interface import SendQueue
from bot.storage.queue_models import ClaimedMessage, QueuedMessage

logger = logging.getLogger(__name__)

DEFAULT_LEASE: Final = dt.timedelta(minutes=6)
"""How long a claim of another instance counts as alive on a shared database (longer
than a live sender holds a row: a claim batch at its pace, a ``RetryAfter``, or the
longest network back-off of 300 s)."""

__all__ = [
    "DEFAULT_PRIORITY",
    "KINDS",
    "PRIORITY_BROADCAST",
    "PRIORITY_NOTICE",
    "PRIORITY_REMINDER",
    "STATES",
    "Audience",
    "BroadcastProgress",
    "Outbox",
    "OutboxItem",
    "OutboxKind",
    "OutboxRow",
    "OutboxState",
    "OutboxStore",
]


class OutboxStore(Protocol):
    """The send queue as the :class:`~bot.delivery.sender.Sender` needs it."""

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every enqueue commits (wakes an idle sender)."""

    async def claim(self, now: dt.datetime, limit: int) -> list[OutboxRow]:
        """Move up to ``limit`` due rows ``pending → sending``, highest priority first."""
        ...

    async def mark_sent(self, row_id: int, now: dt.datetime) -> bool:
        """``sending → sent``."""
        ...

    async def mark_sent_many(self, row_ids: Iterable[int], now: dt.datetime) -> int:
        """``sending → sent`` for many rows in one transaction."""
        ...

    async def mark_failed(self, row_id: int, reason: str) -> bool:
        """``sending → failed`` with a reason."""
        ...

    async def record_attempt(self, row_id: int, error: str) -> int:
        """Count a failed attempt (network errors); returns the new attempt count."""
        ...

    async def release(self, row_ids: Iterable[int]) -> int:
        """``sending → pending`` without counting an attempt (clean shutdown)."""
        ...

    async def drop_for_user(self, user_id: int, reason: str = ...) -> int:
        """Drop the user's unsent rows."""
        ...

    async def drop_for_chat(self, chat_id: int, reason: str = ...) -> int:
        """Drop the chat's unsent rows."""
        ...

    async def recover_in_flight(self, claimed_before: dt.datetime | None = None) -> int:
        """Re-queue ``sending`` rows left by a crash (at-least-once)."""
        ...


def _reason(text: str) -> str:
    return text[:MAX_ERROR_LENGTH]


@functools.lru_cache(maxsize=64)
def _parse_payload(raw: str) -> MessagePayload:
    """``MessagePayload.from_json``, remembered: a broadcast's rows all share one payload.

    Safe to share: payloads are frozen and nothing mutates their keyboard dicts.
    Errors are not cached (``lru_cache`` does not store exceptions).
    """
    return MessagePayload.from_json(raw)


def _decode_payload(row_id: int, raw: str | None) -> MessagePayload | None:
    if raw is None:
        return None
    try:
        return _parse_payload(raw)
    except (ValueError, TypeError):
        logger.error("outbox row %d has a damaged payload", row_id)
        return None


def _row(claimed: ClaimedMessage) -> OutboxRow:
    return OutboxRow(
        id=claimed.id,
        chat_id=claimed.chat_id,
        user_id=claimed.user_id,
        kind=claimed.kind,
        priority=claimed.priority,
        payload=_decode_payload(claimed.id, claimed.payload),
        attempts=claimed.attempts,
        broadcast_id=claimed.broadcast_id,
        reminder_id=claimed.reminder_id,
        paid=claimed.paid,
        not_before=claimed.not_before,
    )


def _message(item: OutboxItem, now: dt.datetime) -> QueuedMessage:
    return QueuedMessage(
        chat_id=item.chat_id,
        user_id=item.user_id,
        kind=item.kind,
        priority=DEFAULT_PRIORITY[item.kind] if item.priority is None else item.priority,
        payload=item.payload.to_json(),
        not_before=now if item.not_before is None else item.not_before,
    )


class Outbox:
    """:class:`OutboxStore` over a storage backend's send queue, plus enqueueing and progress.

    The SQL is the backend's (:attr:`Storage.queue`); this class encodes and decodes
    payloads, applies default priorities and wakes the local sender after each enqueue.
    """

    def __init__(
        self, storage: Storage, *, clock: Clock = SYSTEM_CLOCK, lease: dt.timedelta = DEFAULT_LEASE
    ) -> None:
        """``clock`` and ``lease`` matter only on a database several instances share."""
        self._storage = storage
        self._queue: SendQueue = storage.queue
        self._listeners: list[Callable[[], None]] = []
        self._clock = clock
        self.lease = lease

    @property
    def storage(self) -> Storage:
        """The storage whose send queue this is (campaigns live on the same database)."""
        return self._storage

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Register a callback run after each enqueue (the sender's ``wake``)."""
        self._listeners.append(callback)

    def notify(self) -> None:
        """Tell subscribers (the sender) that rows were added outside this class."""
        for callback in self._listeners:
            try:
                callback()
            except Exception:
                logger.exception("outbox listener failed")

    # ------------------------------------------------------------------ enqueue
    async def enqueue(self, item: OutboxItem, *, now: dt.datetime) -> int:
        """Queue one message; returns its row id."""
        row_id = await self._queue.insert_one(_message(item, now), now)
        self.notify()
        return row_id

    async def enqueue_many(self, items: Iterable[OutboxItem], *, now: dt.datetime) -> int:
        """Queue many messages in one transaction (thousands of rows in milliseconds)."""
        count = await self._queue.insert_many([_message(item, now) for item in items], now)
        if count:
            self.notify()
        return count

    async def create_broadcast(
        self,
        payload: MessagePayload,
        recipients: Iterable[tuple[int, int | None]] | Audience,
        *,
        now: dt.datetime,
        not_before: dt.datetime | None = None,
        paid: bool = False,
    ) -> int:
        """Queue one broadcast; returns its id (see :meth:`broadcast_progress`).

        ``recipients`` is either explicit ``(chat_id, user_id)`` pairs or an
        :class:`Audience`, which is selected inside the database. The text is stored
        once. ``paid=True`` makes the sender pass ``allow_paid_broadcast`` (up to 1000
        msg/s at 0.1 Star each; raise the budget's rate too).
        """
        if not isinstance(recipients, Audience):
            recipients = [(chat_id, user_id) for chat_id, user_id in recipients]
            for chat_id, user_id in recipients:  # the same checks as a single message
                OutboxItem(chat_id, payload, "broadcast", user_id)
        broadcast_id, _ = await self._queue.create_broadcast(
            payload.to_json(),
            recipients,
            priority=PRIORITY_BROADCAST,
            paid=paid,
            not_before=now if not_before is None else not_before,
            now=now,
        )
        self.notify()
        return broadcast_id

    async def enqueue_reminders(
        self, items: Iterable[tuple[int, OutboxItem]], *, now: dt.datetime
    ) -> int:
        """Queue rendered reminders and mark them ``queued``, atomically.

        ``items`` pairs a reminder id with its message. A reminder that is no longer
        ``scheduled`` (cancelled or already queued by a concurrent run) is skipped, so
        a reminder can never be queued twice. Returns how many were queued.
        """
        queued = await self._queue.queue_reminders(
            [(reminder_id, _message(item, now)) for reminder_id, item in items], now
        )
        if queued:
            self.notify()
        return queued

    # ------------------------------------------------------------------ claiming
    async def claim(self, now: dt.datetime, limit: int) -> list[OutboxRow]:
        """Take up to ``limit`` due rows in priority order and mark them ``sending``."""
        if limit <= 0:
            return []
        return [_row(claimed) for claimed in await self._queue.claim(now, limit)]

    # ------------------------------------------------------------------ outcomes
    async def mark_sent(self, row_id: int, now: dt.datetime) -> bool:
        """Telegram accepted the message; forget its text."""
        return await self._queue.mark_sent(row_id, now)

    async def mark_sent_many(self, row_ids: Iterable[int], now: dt.datetime) -> int:
        """Record many deliveries in one transaction (the sender batches its marks).

        Returns how many rows changed; their texts are cleared and linked reminders
        become ``sent``.
        """
        return await self._queue.mark_sent_many(list(row_ids), now)

    async def mark_failed(self, row_id: int, reason: str) -> bool:
        """Give up on a row (the reason is an error class/description, never message text)."""
        return await self._queue.mark_failed(row_id, _reason(reason))

    async def record_attempt(self, row_id: int, error: str) -> int:
        """Count one failed attempt; returns the new count (0 if the row is gone)."""
        return await self._queue.record_attempt(row_id, _reason(error))

    async def release(self, row_ids: Iterable[int]) -> int:
        """Put claimed-but-unsent rows back to ``pending`` (no attempt is counted)."""
        return await self._queue.release(list(row_ids))

    async def drop_for_user(self, user_id: int, reason: str = "user blocked the bot") -> int:
        """Drop every unsent row for the user (they blocked the bot, or opted out)."""
        return await self._queue.drop_for_user(user_id, _reason(reason))

    async def drop_for_chat(self, chat_id: int, reason: str = "chat blocked the bot") -> int:
        """Drop every unsent row addressed to the chat."""
        return await self._queue.drop_for_chat(chat_id, _reason(reason))

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        """Stop a broadcast: its pending rows are dropped (in-flight ones still finish)."""
        return await self._queue.cancel_broadcast(broadcast_id)

    async def recover_in_flight(self, claimed_before: dt.datetime | None = None) -> int:
        """Re-queue rows left in ``sending`` (at-least-once; see the module docstring).

        Run once at start before the sender. On a database several instances share,
        "everything" means rows claimed more than :attr:`lease` ago, so live claims of
        other instances are left alone.
        """
        if claimed_before is None and self._storage.coordination is not None:
            claimed_before = self._clock.now() - self.lease
        count = await self._queue.recover_in_flight(claimed_before)
        if count:
            logger.warning("re-queued %d outbox rows left in flight by a previous run", count)
            self.notify()
        return count

    # ------------------------------------------------------------------ reporting
    async def broadcast_progress(self, broadcast_id: int) -> BroadcastProgress:
        """Counts by state for one broadcast."""
        return BroadcastProgress(broadcast_id, await self._queue.broadcast_counts(broadcast_id))

    async def counts(self) -> dict[tuple[str, str], int]:
        """Rows by ``(kind, state)``."""
        return await self._queue.counts()

    async def prune(self, finished_before: dt.datetime) -> int:
        """Delete finished rows created before ``finished_before`` (retention), and
        broadcasts with no rows left."""
        return await self._queue.prune(finished_before)
