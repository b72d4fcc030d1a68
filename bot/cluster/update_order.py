"""Each update once, and in order within its chat, across instances (PostgreSQL).

Why in the database: behind a webhook load balancer two updates of one chat (two
quick taps) can reach two instances; an in-memory lock per chat cannot order them.
Every instance records each update it receives in ``update_turns`` (the update id is
the key, so a repeated delivery is recognised and skipped) and handles it only when
no earlier unfinished update of the same chat is recorded. Telegram numbers updates
in the order they happened, so the chat's updates are handled in that order.

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
POLL_FIRST = 0.005
POLL_MAX = 0.1


def instance_name() -> str:
    """A name for this process among the instances: host, pid and a random tail."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class SharedOrderUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats; one at a time per chat in update-id order, across instances."""

    def __init__(
        self,
        turns: Callable[[], UpdateTurns],
        *,
        owner: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
        lease: dt.timedelta = DEFAULT_LEASE,
        max_concurrent_updates: int = DEFAULT_MAX_CONCURRENT_UPDATES,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._turns = turns
        self.owner = owner or instance_name()
        self._clock = clock
        self._lease = lease
        self.duplicates = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None or not isinstance(update, Update):
            await coroutine
            return
        turns = self._turns()
        if not await turns.accept(update.update_id, key, self.owner, self._clock.now()):
            self.duplicates += 1
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            logger.info("update already handled by an instance; skipped")
            return
        try:
            await self._wait_for_turn(turns, update.update_id, key)
            await coroutine
        finally:
            await asyncio.shield(turns.finish(update.update_id, self._clock.now()))

    async def _wait_for_turn(self, turns: UpdateTurns, update_id: int, chat_id: int) -> None:
        """Until no earlier live update of the chat is unfinished (polling, backing off)."""
        pause = POLL_FIRST
        while not await turns.is_next(update_id, chat_id, self._clock.now() - self._lease):
            await asyncio.sleep(pause)  # real time: another process is working meanwhile
            pause = min(POLL_MAX, pause * 2)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB awaits the running update tasks itself."""


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
