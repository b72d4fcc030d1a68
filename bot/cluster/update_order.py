"""Each update once, and in order within its chat, across instances (PostgreSQL).

Why in the database: behind a webhook load balancer two updates of one chat (two
quick taps) can reach two instances; an in-memory lock per chat cannot order them.
Every instance records each update it receives in ``update_turns`` (the update id is
the key, so a repeated delivery is recognised and skipped) and handles it only when
no earlier unfinished update of the same chat is recorded. Telegram numbers updates
in the order they happened, so the chat's updates are handled in that order.

Two updates of one chat that reach two instances at the same instant could each look
before the other is recorded; so an update first waits :data:`SETTLE` (50 ms) after it
is recorded (in batches, on a connection of its own: a few milliseconds). Updates of
one chat that are recorded less than that apart in the wrong order — only on an
overloaded instance — can still be handled in the wrong order; everything slower,
including every person who reads a reply before tapping again, is handled in order.

An unfinished turn older than :data:`DEFAULT_LEASE` — its instance was killed while
handling it — no longer holds the chat up. The webhook answers Telegram before the
update is handled (PTB puts it in a queue), so an update in flight at a kill is lost
exactly as with one instance; the person taps again.

Only ids are stored (update id, chat id, which instance, when); never the update.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.delivery.clock import SYSTEM_CLOCK, Clock
from bot.storage.interface import Storage, UpdateTurns
from bot.telegram.processor import DEFAULT_MAX_CONCURRENT_UPDATES, PerChatUpdateProcessor, chat_key

logger = logging.getLogger(__name__)

DEFAULT_LEASE = dt.timedelta(seconds=60)
"""How long an unfinished turn holds its chat (a handler takes well under a second)."""
SETTLE = 0.05
"""Seconds an update waits after it is recorded, so an earlier one arriving at another
instance at the same moment is recorded too before the turn is decided."""
UNLIMITED = 1 << 30
POLL_FIRST = 0.005
POLL_MAX = 0.05


def instance_name() -> str:
    """A name for this process among the instances: host, pid and a random tail."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class _Recorder:
    """Records updates in arrival order, many per database trip.

    Why batched: in a burst, hundreds of updates wait for a pooled connection; one by
    one, an early update could be recorded after a later one of its chat was already
    judged "next". One statement per batch records them within one round trip.
    """

    def __init__(self, turns: Callable[[], UpdateTurns], owner: str, clock: Clock) -> None:
        self._turns = turns
        self._owner = owner
        self._clock = clock
        self._waiting: list[tuple[int, int, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def record(self, update_id: int, chat_id: int) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((update_id, chat_id, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="hamroh-update-recorder")
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                fresh = await self._turns().accept_many(
                    [(u, c) for u, c, _ in batch], self._owner, self._clock.now()
                )
            except BaseException as error:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
                continue
            for update_id, _, future in batch:
                if not future.done():
                    future.set_result(update_id in fresh)


class SharedOrderUpdateProcessor(PerChatUpdateProcessor):
    """Concurrent across chats; one at a time per chat in update-id order, across instances.

    Per update: record it (batched, in arrival order), queue behind this instance's
    earlier updates of the chat (the in-memory per-chat lock, first in first out),
    wait :data:`SETTLE`, then until no earlier unfinished update of the chat is
    recorded by any instance; only then does it take one of the concurrency slots, so
    waiting never starves the updates it waits for.
    """

    def __init__(
        self,
        turns: Callable[[], UpdateTurns],
        *,
        owner: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
        lease: dt.timedelta = DEFAULT_LEASE,
        settle: float = SETTLE,
        max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES,
    ) -> None:
        # PTB's own limit applies before ``do_process_update``; ours after the turn.
        super().__init__(UNLIMITED)
        self._turns = turns
        self.owner = owner or instance_name()
        self._clock = clock
        self._lease = lease
        self._settle = settle
        self._recorder = _Recorder(turns, self.owner, clock)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self.duplicates = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None or not isinstance(update, Update):
            async with self._slots:
                await coroutine
            return
        if not await self._recorder.record(update.update_id, key):
            self.duplicates += 1
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            logger.info("update already handled by an instance; skipped")
            return
        await super().do_process_update(update, self._in_turn(update.update_id, key, coroutine))

    async def _in_turn(self, update_id: int, chat_id: int, coroutine: Awaitable[Any]) -> None:
        turns = self._turns()
        try:
            await asyncio.sleep(self._settle)
            pause = POLL_FIRST
            while not await turns.is_next(update_id, chat_id, self._clock.now() - self._lease):
                await asyncio.sleep(pause)  # real time: another process is working meanwhile
                pause = min(POLL_MAX, pause * 2)
            async with self._slots:
                await coroutine
        finally:
            if (
                inspect.iscoroutine(coroutine)
                and inspect.getcoroutinestate(coroutine) == "CORO_CREATED"
            ):
                coroutine.close()
            await asyncio.shield(turns.finish(update_id, self._clock.now()))


def update_processor(
    shared: bool, storage: Callable[[], Storage], clock: Clock = SYSTEM_CLOCK
) -> BaseUpdateProcessor:
    """The processor for a bot: shared order on a database several instances use
    (``shared``, i.e. PostgreSQL), else the in-memory per-chat order."""
    if not shared:
        return PerChatUpdateProcessor()

    def turns() -> UpdateTurns:
        coordination = storage().coordination
        if coordination is None:
            raise RuntimeError("shared update order needs a database several instances share")
        return coordination.turns

    return SharedOrderUpdateProcessor(turns, clock=clock)
