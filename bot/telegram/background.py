"""Background work of a running bot: the send queue, the minute tick, the ruleset check.

Why a start/stop pair of lifecycle hooks (added by :func:`bot.telegram.app.run`, or by
a test that wants them): tests of handlers drive everything by hand with a fake
clock, and a sender that sleeps on a fake clock would race time forward.

On start, in this order:

1. ``Outbox.recover_in_flight()`` — rows a crash left in ``sending`` go back to
   ``pending`` (at-least-once: a message in flight at a crash may arrive twice);
2. the ruleset check (:func:`bot.app.rules_update.pick_up_on_start`);
3. the sender (one per process), sharing the PTB rate limiter's :class:`SendBudget`;
4. the tick, every minute: queue due reminders (out of the user's night), start
   due broadcasts, report broadcast progress to admins.

On stop: the tick and re-check tasks are cancelled (their work resumes from the
database), then the sender finishes the sends in flight and returns the rest to
``pending``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from telegram import Bot
from telegram.ext import Application

from bot.admin.broadcasts import BroadcastService, started_line
from bot.app.reminders import quiet_hours
from bot.app.rules_update import pick_up_on_start
from bot.delivery import OutboxItem, Sender, mark_inactive, queue_due_reminders
from bot.delivery.payload import MessagePayload
from bot.storage import DueReminder
from bot.telegram.reminders import render_reminder
from bot.telegram.render import esc
from bot.telegram.services import LifecycleHook, Services, services_of

logger = logging.getLogger(__name__)

BACKGROUND_KEY = "hamroh.background"
TICK_SECONDS = 60.0


def broadcasts_of(services: Services) -> BroadcastService:
    store = services.open_send_queue()
    if store is None:
        raise RuntimeError("broadcasts need the SQLite storage")
    return BroadcastService(store)


async def tick(services: Services) -> None:
    """One round of the periodic work (also called directly by tests with a fake clock)."""
    services.open_send_queue()
    outbox = services.outbox
    if outbox is None:
        return
    now = services.now()
    ruleset = services.ruleset

    def render(reminder: DueReminder) -> MessagePayload | None:
        return render_reminder(reminder, ruleset, services.catalogs, now)

    queued = await queue_due_reminders(
        services.storage, outbox, render, now, defer=quiet_hours(services.now)
    )
    if queued:
        logger.info("queued %d reminders", queued)
    broadcasts = broadcasts_of(services)
    for campaign in await broadcasts.start_due(now, services.today()):
        logger.info("broadcast %d started: %d recipients", campaign.id, campaign.counts["total"])
        if campaign.admin_chat_id is not None:
            await notify_admin(services, campaign.admin_chat_id, started_line(campaign, now))
    for report in await broadcasts.reports(now):
        if report.chat_id is not None:
            await notify_admin(services, report.chat_id, report.text)


async def notify_admin(services: Services, chat_id: int, text: str) -> None:
    """A message to an admin through the send queue (durable, paced, first in line)."""
    if services.outbox is None:
        return
    await services.outbox.enqueue(
        OutboxItem(chat_id, MessagePayload(esc(text), parse_mode="HTML"), "notice"),
        now=services.now(),
    )


@dataclass
class Background:
    """The running sender and tick of one application."""

    services: Services
    sender: Sender
    tick_seconds: float = TICK_SECONDS
    _ticker: asyncio.Task[None] | None = field(default=None, init=False)

    async def _tick_forever(self) -> None:
        while True:
            try:
                await tick(self.services)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # one bad minute must not stop reminders for good
                logger.error("tick failed: %s", type(error).__name__)
            await asyncio.sleep(self.tick_seconds)

    async def start(self) -> None:
        outbox = self.services.outbox
        assert outbox is not None
        await outbox.recover_in_flight()  # logs how many it re-queued
        try:
            await pick_up_on_start(self.services)
        except Exception as error:  # the ruleset already loaded keeps serving
            logger.error("ruleset check at start failed: %s", type(error).__name__)
        self.sender.start()
        self._ticker = asyncio.create_task(self._tick_forever(), name="hamroh-tick")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self.services.cancel_tasks()
        await self.sender.stop()


def make_sender(services: Services, bot: Bot) -> Sender:
    """The send-queue worker for these services, sharing their send budget.

    Registered as `services.sender` so /forget can discard a chat's pending rows.
    """
    assert services.outbox is not None
    sender = Sender(
        services.outbox,
        bot,
        budget=services.budget,
        on_blocked=mark_inactive(services.storage),
    )
    services.sender = sender
    return sender


def background_hooks(
    *, tick_seconds: float = TICK_SECONDS
) -> tuple[list[LifecycleHook], list[LifecycleHook]]:
    """``(on_startup, on_shutdown)`` for ``build_application``: send queue and tick."""

    async def start(application: Application) -> None:  # type: ignore[type-arg]
        services = services_of(application)
        sender = make_sender(services, application.bot)
        background = Background(services, sender, tick_seconds)
        application.bot_data[BACKGROUND_KEY] = background
        await background.start()

    async def stop(application: Application) -> None:  # type: ignore[type-arg]
        background = application.bot_data.pop(BACKGROUND_KEY, None)
        if isinstance(background, Background):
            await background.stop()
            services_of(application).sender = None

    return [start], [stop]
