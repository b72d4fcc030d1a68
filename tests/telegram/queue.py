"""Drive the send queue of a test application by hand, on the fake clock.

Why by hand: the running bot's tick sleeps a real minute and its sender sleeps on the
clock; tests move the fake clock to a day and hour, run one tick, and drain the
queue until it is idle, so every assertion is about dates, never about timing.
"""

from __future__ import annotations

import datetime as dt

from telegram.ext import Application

from bot.delivery import Sender
from bot.telegram.app import open_send_queue
from bot.telegram.background import make_sender, tick
from bot.telegram.services import Services, services_of
from bot.testing import FakeClock


def queue_of(application: Application) -> Services:  # type: ignore[type-arg]
    """The services with the outbox opened (``post_init`` does this in a running bot)."""
    services = services_of(application)
    open_send_queue(services)
    return services


async def run_tick(application: Application) -> None:  # type: ignore[type-arg]
    """One round of the minute job: due reminders, due broadcasts, progress reports."""
    await tick(queue_of(application))


async def drain(application: Application) -> Sender:  # type: ignore[type-arg]
    """Send everything due now, paced, until the queue is idle; returns the sender."""
    services = queue_of(application)
    sender = make_sender(services, application.bot)
    try:
        await sender.run(until_idle=True)
    finally:
        services.sender = None
    return sender


def advance_to(clock: FakeClock, moment: dt.datetime) -> None:
    """Move the fake clock forward to ``moment`` (never back)."""
    clock.advance((moment - clock.now()).total_seconds())


MSK = dt.timezone(dt.timedelta(hours=3))


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A Moscow wall-clock time as an aware datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=MSK)
