"""The worker that drains the outbox into Telegram, politely and without losing messages.

Why it looks like this:

* **Pacing.** A global bulk pace from :class:`~bot.delivery.budget.SendBudget`
  (the set rate, 30 msg/s by default, up to 1000/s for paid broadcasts; lower for a
  while after a 429; never more than that in any second, replies included, so the
  queue gives way to replies) and at most one message per
  second per private chat (one per 3 s per group: 20/min). Per-chat waits never block
  other chats: each chat has its own FIFO in memory and the dispatcher always picks
  the highest-priority chat that is ready.
* **Errors** (PTB 22 exceptions; note ``BadRequest`` subclasses ``NetworkError``):
  ``RetryAfter`` → pause every send of the bot (replies too) for the given time,
  cut the bulk pace (:meth:`SendBudget.flood`) and retry the same row, not counted
  as an attempt; ``Forbidden`` → the row fails, ``on_blocked(user_id)`` marks
  the user inactive, and all their unsent rows are dropped; ``BadRequest`` → the row
  fails with the reason; ``TimedOut``/``NetworkError`` → exponential back-off for that
  row (and a bulk halt of the same length, since the network is likely down), failed
  after ``max_attempts``; ``InvalidToken`` → stop (configuration error).
* **Durability.** Rows are ``sending`` in the database from claim to outcome;
  deliveries are recorded in batches (``mark_batch`` rows or ``mark_interval``
  seconds). A graceful :meth:`stop` finishes the sends in flight, records them, and
  puts the rest back to ``pending``. A crash (or cancelling :meth:`run`) leaves them ``sending``;
  ``Outbox.recover_in_flight()`` re-queues them at the next start (at-least-once).
* **Time** comes from an injected clock; tests drive a 30 msg/s broadcast with
  429s in milliseconds.

Message texts are never logged: only row ids and error classes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

import bot.delivery.raw_api as raw_api
from bot.delivery.budget import DEFAULT_RATE, SendBudget
from bot.delivery.clock import SYSTEM_CLOCK, Clock
from bot.delivery.outbox import OutboxRow, OutboxStore
from bot.delivery.ptb_limiter import QUEUE_SEND, retry_after_seconds

logger = logging.getLogger(__name__)

OnBlocked = Callable[[int], Awaitable[object]]
"""Called with the user id when Telegram answers 403 for a message to that user."""

_EPSILON = 1e-9


class _UserStore(Protocol):
    async def set_active(self, user_id: int, active: bool) -> bool: ...


def mark_inactive(storage: _UserStore) -> OnBlocked:
    """An ``on_blocked`` callback that sets ``users.active = 0`` in the storage."""

    async def on_blocked(user_id: int) -> None:
        await storage.set_active(user_id, False)

    return on_blocked


def send_message_params(row: OutboxRow) -> dict[str, Any]:
    """The ``sendMessage`` parameters for a row, as JSON-ready plain data.

    Equal to what ``bot.send_message(...)`` would send for the payload: absent rather
    than ``None`` for unset options, the keyboard as the stored dict (already
    validated at enqueue time), ``link_preview_options`` as ``{"is_disabled": true}``.
    Raises ``ValueError`` for a damaged payload.
    """
    payload = row.payload
    if payload is None:
        raise ValueError("damaged payload")
    params: dict[str, Any] = {
        "chat_id": row.chat_id,
        **raw_api.text_params(
            payload.text,
            parse_mode=payload.parse_mode,
            keyboard=payload.reply_markup,
            disable_preview=payload.disable_preview,
        ),
    }
    if row.paid:
        params["allow_paid_broadcast"] = True
    return params


@dataclass
class SenderStats:
    """Counters since the sender was created (for logs and /stats)."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    dropped: int = 0
    retry_after: int = 0
    network_errors: int = 0


class Sender:
    """Drains an :class:`OutboxStore` with ``bot.send_message``; run one per bot process."""

    def __init__(
        self,
        outbox: OutboxStore,
        bot: Bot,
        *,
        budget: SendBudget | None = None,
        rate: float = DEFAULT_RATE,
        clock: Clock | None = None,
        on_blocked: OnBlocked | None = None,
        per_chat_interval: float = 1.0,
        group_interval: float = 3.0,
        batch_size: int = 100,
        max_in_flight: int = 32,
        max_attempts: int = 8,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        idle_interval: float = 1.0,
        mark_batch: int = 50,
        mark_interval: float = 0.1,
    ) -> None:
        """Create a sender; ``budget`` (shared with the PTB adapter) wins over ``rate``."""
        if batch_size < 1 or max_in_flight < 1 or max_attempts < 1:
            raise ValueError("batch_size, max_in_flight and max_attempts must be >= 1")
        self._outbox = outbox
        self._bot = bot
        self._clock = clock or (budget.clock if budget is not None else SYSTEM_CLOCK)
        self.budget = budget or SendBudget(rate, clock=self._clock)
        self._on_blocked = on_blocked
        self._per_chat_interval = per_chat_interval
        self._group_interval = group_interval
        self._batch_size = batch_size
        self._refill_below = max(1, batch_size // 2)
        self._max_in_flight = max_in_flight
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._idle_interval = idle_interval
        self._mark_batch = mark_batch
        self._mark_interval = mark_interval
        self.stats = SenderStats()

        self._queues: dict[int, collections.deque[OutboxRow]] = {}
        self._buffered = 0  # rows in all queues (kept as a counter: asked every iteration)
        self._sent_ids: list[int] = []  # delivered, not yet recorded (see _flush_sent)
        self._sent_since = 0.0
        self._ready: list[tuple[int, int, int]] = []  # (priority, seq, chat_id)
        self._waiting: list[tuple[float, int]] = []  # (ready_at, chat_id)
        self._chat_ready_at: dict[int, float] = {}
        self._in_flight: set[int] = set()  # chat ids with a send in progress
        self._scheduled: set[int] = set()  # chat ids in the ready or the waiting heap
        self._seq = itertools.count()
        self._row_seq: dict[int, int] = {}
        self._wake_event = asyncio.Event()
        self._stopped = asyncio.Event()
        self._claim_now = True
        self._next_claim_at = float("-inf")
        self._stopping = False
        self._running = False
        self._task: asyncio.Task[None] | None = None
        self.fatal_error: BaseException | None = None
        subscribe = getattr(outbox, "subscribe", None)
        if callable(subscribe):
            subscribe(self.wake)

    # ------------------------------------------------------------------ control
    def wake(self) -> None:
        """New rows were enqueued: claim now instead of at the next idle poll."""
        self._claim_now = True
        self._wake_event.set()

    def start(self) -> asyncio.Task[None]:
        """Run in a background task; stop it with :meth:`stop`."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="hamroh-outbox-sender")
        return self._task

    async def stop(self) -> None:
        """Finish the sends in flight, return unsent claimed rows to ``pending``, and return.

        Works whether the sender runs via :meth:`start` or a caller awaiting :meth:`run`.
        """
        if self._task is None and not self._running:
            return  # nothing to stop
        self._stopping = True
        self._wake_event.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        elif self._running:
            await self._stopped.wait()

    def discard_chat(self, chat_id: int) -> int:
        """Forget the chat's claimed rows that are not being sent right now.

        Call it after ``/forget`` (``Storage.delete_user``) deleted the chat's outbox
        rows, so messages already held in memory are not sent to a user who asked to
        be forgotten. Returns how many rows were discarded.
        """
        queue = self._queues.get(chat_id)
        if not queue:
            return 0
        keep = 1 if chat_id in self._in_flight else 0
        discarded = list(queue)[keep:]
        for row in discarded:
            self._row_seq.pop(row.id, None)
            queue.remove(row)
        self._buffered -= len(discarded)
        return len(discarded)

    @property
    def buffered(self) -> int:
        """Claimed rows held in memory (waiting for pacing or in flight)."""
        return self._buffered

    async def run(self, *, until_idle: bool = False) -> None:
        """Send until :meth:`stop` (or, with ``until_idle``, until nothing is due).

        Cancelling this coroutine is treated like a crash: claimed rows stay
        ``sending`` for ``recover_in_flight``.
        """
        if self._running:
            raise RuntimeError("this sender is already running")
        self._running = True
        self._stopped.clear()
        try:
            async with asyncio.TaskGroup() as group:
                await self._loop(group, until_idle)
            await self._flush_sent(force=True)
            await self._release_buffered()
        finally:
            self._running = self._stopping = False
            self._stopped.set()
        if self.fatal_error is not None:
            raise self.fatal_error

    # ------------------------------------------------------------------ main loop
    async def _flush_sent(self, *, force: bool = False) -> None:
        """Record delivered rows as ``sent`` in one transaction per batch.

        Why batched: one transaction per message costs more than the send itself at
        1000 msg/s. The price is a slightly wider at-least-once window: after a crash,
        rows delivered in the last ``mark_interval`` are sent again.
        """
        if not self._sent_ids:
            return
        due = self._clock.monotonic() - self._sent_since >= self._mark_interval
        if not (force or due or len(self._sent_ids) >= self._mark_batch):
            return
        ids, self._sent_ids = self._sent_ids, []
        try:
            await self._outbox.mark_sent_many(ids, self._clock.now())
        except Exception:
            logger.exception("could not record %d sent outbox rows", len(ids))

    async def _loop(self, group: asyncio.TaskGroup, until_idle: bool) -> None:
        while not self._stopping:
            await self._flush_sent()
            now = self._clock.monotonic()
            self._promote(now)
            wants_rows = self._claim_now or now >= self._next_claim_at
            if self.buffered < self._refill_below and wants_rows and await self._claim(now):
                continue
            self._drop_stale_ready()
            if not self._ready:
                if until_idle and not self._queues and not self._in_flight:
                    return
                await self._wait(self._next_wake(now))
                continue
            if len(self._in_flight) >= self._max_in_flight:
                await self._wait(None)  # a finishing send wakes us
                continue
            delay = self.budget.bulk_delay()
            if delay > 0:
                await self._wait(delay)
                continue
            granted = self.budget.take_bulk()
            _, _, chat_id = heapq.heappop(self._ready)
            self._scheduled.discard(chat_id)
            row = self._queues[chat_id][0]
            self._in_flight.add(chat_id)
            group.create_task(self._send(row, granted))

    def _drop_stale_ready(self) -> None:
        """Pop ready entries whose chat has nothing left (see :meth:`discard_chat`)."""
        while self._ready and not self._queues.get(self._ready[0][2]):
            _, _, chat_id = heapq.heappop(self._ready)
            self._scheduled.discard(chat_id)
            self._queues.pop(chat_id, None)

    def _next_wake(self, now: float) -> float | None:
        """How long to sleep when nothing is ready (``None``: until woken)."""
        candidates = []
        if self._waiting:
            candidates.append(max(0.0, self._waiting[0][0] - now))
        if self.buffered < self._refill_below:
            candidates.append(max(0.0, self._next_claim_at - now))
        if not candidates:
            return None
        return min(candidates)

    async def _wait(self, timeout: float | None) -> None:
        """Sleep up to ``timeout`` on the injected clock, or until :meth:`wake`/a send ends."""
        if self._sent_ids:  # come back in time to record them
            timeout = self._mark_interval if timeout is None else min(timeout, self._mark_interval)
        if not self._wake_event.is_set():
            waiter = asyncio.ensure_future(self._wake_event.wait())
            tasks: set[asyncio.Future[Any]] = {waiter}
            if timeout is not None:
                tasks.add(asyncio.ensure_future(self._clock.sleep(timeout)))
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
        self._wake_event.clear()

    async def _claim(self, now: float) -> bool:
        self._claim_now = False
        limit = self._batch_size - self.buffered
        rows = await self._outbox.claim(self._clock.now(), limit)
        if len(self._chat_ready_at) > 4 * self._batch_size:  # keep memory bounded
            self._chat_ready_at = {c: t for c, t in self._chat_ready_at.items() if t > now}
        if not rows:
            self._next_claim_at = now + self._idle_interval
            return False
        for row in rows:
            self._row_seq[row.id] = next(self._seq)
            queue = self._queues.get(row.chat_id)
            if queue is None:
                queue = self._queues[row.chat_id] = collections.deque()
            queue.append(row)
            self._buffered += 1
            if len(queue) == 1 and row.chat_id not in self._in_flight:
                self._schedule(row.chat_id, now)
        return True

    def _schedule(self, chat_id: int, now: float) -> None:
        """Put a chat with a queued head row into the ready or the waiting heap (once)."""
        if chat_id in self._scheduled:
            return
        self._scheduled.add(chat_id)
        ready_at = self._chat_ready_at.get(chat_id, float("-inf"))
        if ready_at <= now + _EPSILON:
            head = self._queues[chat_id][0]
            heapq.heappush(self._ready, (head.priority, self._row_seq[head.id], chat_id))
        else:
            heapq.heappush(self._waiting, (ready_at, chat_id))

    def _promote(self, now: float) -> None:
        while self._waiting and self._waiting[0][0] <= now + _EPSILON:
            _, chat_id = heapq.heappop(self._waiting)
            self._scheduled.discard(chat_id)
            if self._queues.get(chat_id) and chat_id not in self._in_flight:
                self._schedule(chat_id, now)
            elif not self._queues.get(chat_id):
                self._queues.pop(chat_id, None)

    def _interval_for(self, chat_id: int) -> float:
        return self._per_chat_interval if chat_id > 0 else self._group_interval

    # ------------------------------------------------------------------ one send
    async def _send(self, row: OutboxRow, granted: float | None = None) -> None:
        """Send one row and record the outcome; never raises (except cancellation)."""
        started = self._clock.monotonic()
        done = True  # False: the row stays at the head of its chat queue for a retry
        retry_at = started + self._interval_for(row.chat_id)
        try:
            await self._deliver(row, granted)
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            self.stats.retry_after += 1
            self.budget.flood(seconds)
            done, retry_at = False, self._clock.monotonic() + seconds
            logger.info("outbox row %d: flood control, retrying in %.1f s", row.id, seconds)
        except Forbidden as exc:
            await self._handle_blocked(row, exc)
        except ChatMigrated:
            await self._fail(row, "chat migrated to a supergroup")
        except BadRequest as exc:
            await self._fail(row, f"bad request: {exc.message}")
        except (InvalidToken, EndPointNotFound) as exc:
            logger.critical("the bot token was rejected; stopping the outbox sender")
            self.fatal_error = exc
            self._stopping = True
            done = False
        except NetworkError as exc:  # includes TimedOut
            done, retry_at = await self._handle_network_error(row, exc)
        except TelegramError as exc:
            await self._fail(row, f"telegram error: {type(exc).__name__}")
        except Exception as exc:
            logger.exception("outbox row %d: unexpected error while sending", row.id)
            await self._fail(row, f"internal error: {type(exc).__name__}")
        else:
            self.stats.sent += 1
            if not self._sent_ids:
                self._sent_since = self._clock.monotonic()
            self._sent_ids.append(row.id)
        finally:
            self._after_send(row, done, retry_at)

    async def _deliver(self, row: OutboxRow, granted: float | None = None) -> None:
        """One ``sendMessage`` call for the row; raises PTB's exceptions unchanged.

        Through :mod:`bot.delivery.raw_api` rather than ``bot.send_message``: the latter
        builds a PTB ``Message`` (about half the CPU of a send) that the sender never
        reads. The request path is the same, including the Application's rate limiter
        (which skips the budget because of :data:`QUEUE_SEND`). The parameters are the
        ones ``send_message`` would send (:func:`send_message_params`).
        """
        params = send_message_params(row)
        if granted is not None:  # the slot's time, if this task started late
            self.budget.departed(granted)
        token = QUEUE_SEND.set(True)
        try:
            await raw_api.call(self._bot, "sendMessage", params)
        finally:
            QUEUE_SEND.reset(token)

    async def _record(self, operation: Awaitable[object], row: OutboxRow) -> None:
        """Run a bookkeeping write; a database error is logged, the row is recovered later."""
        try:
            await operation
        except Exception:
            logger.exception("outbox row %d: could not record the outcome", row.id)

    async def _fail(self, row: OutboxRow, reason: str) -> None:
        self.stats.failed += 1
        logger.warning("outbox row %d failed: %s", row.id, reason)
        await self._record(self._outbox.mark_failed(row.id, reason), row)

    async def _handle_blocked(self, row: OutboxRow, exc: Forbidden) -> None:
        self.stats.blocked += 1
        await self._flush_sent(force=True)  # so delivered rows are not dropped below
        reason = (
            exc.message
            if exc.message.lower().startswith("forbidden")
            else f"forbidden: {exc.message}"
        )
        await self._fail(row, reason)
        if row.user_id is not None and self._on_blocked is not None:
            try:
                await self._on_blocked(row.user_id)
            except Exception:
                logger.exception("on_blocked callback failed for outbox row %d", row.id)
        dropped = 0
        with contextlib.suppress(Exception):
            dropped += await self._outbox.drop_for_chat(row.chat_id)
            if row.user_id is not None:
                dropped += await self._outbox.drop_for_user(row.user_id)
        self.stats.dropped += dropped
        queue = self._queues.get(row.chat_id)
        if queue is not None:  # forget the other claimed rows of this chat (now dropped)
            head = queue.popleft()
            for other in queue:
                self._row_seq.pop(other.id, None)
            self._buffered -= len(queue)
            queue.clear()
            queue.append(head)

    async def _handle_network_error(self, row: OutboxRow, exc: NetworkError) -> tuple[bool, float]:
        self.stats.network_errors += 1
        name = type(exc).__name__
        try:
            attempts = await self._outbox.record_attempt(row.id, name)
        except Exception:
            logger.exception("outbox row %d: could not record the attempt", row.id)
            attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            await self._fail(row, f"network: gave up after {attempts} attempts ({name})")
            return True, self._clock.monotonic() + self._interval_for(row.chat_id)
        backoff = min(self._backoff_max, self._backoff_base * 2 ** (attempts - 1))
        self.budget.halt(backoff)
        logger.info(
            "outbox row %d: %s, attempt %d, retrying in %.1f s", row.id, name, attempts, backoff
        )
        return False, self._clock.monotonic() + backoff

    def _after_send(self, row: OutboxRow, done: bool, retry_at: float) -> None:
        chat_id = row.chat_id
        self._in_flight.discard(chat_id)
        queue = self._queues.get(chat_id)
        if done and queue and queue[0].id == row.id:
            queue.popleft()
            self._buffered -= 1
            self._row_seq.pop(row.id, None)
        self._chat_ready_at[chat_id] = retry_at
        if queue:
            if not self._stopping:
                self._schedule(chat_id, self._clock.monotonic())
        else:
            self._queues.pop(chat_id, None)
        self._wake_event.set()

    async def _release_buffered(self) -> None:
        ids = [row.id for queue in self._queues.values() for row in queue]
        self._queues.clear()
        self._buffered = 0
        self._scheduled.clear()
        self._ready.clear()
        self._waiting.clear()
        self._row_seq.clear()
        if ids:
            await self._outbox.release(ids)
