"""The bot's profile at Telegram — command menus in every language — set in the background.

Why in the background: each ``setMyCommands`` is a round trip to Telegram (five
languages: five of them), and none is needed to answer the first message. Waiting
for them before the first ``getUpdates`` made every restart that much slower for
the people writing meanwhile. Failures are logged and the bot goes on.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application

from bot.telegram.commands import set_menus
from bot.telegram.services import services_of

logger = logging.getLogger(__name__)

PROFILE_TASK = "hamroh.profile_task"


def publish_in_background(application: Application) -> asyncio.Task[None]:  # type: ignore[type-arg]
    """Start setting the profile; the task is cancelled with the other background tasks."""
    services = services_of(application)
    task = services.start_task(set_menus(application.bot, services.catalogs), "hamroh-profile")
    application.bot_data[PROFILE_TASK] = task
    return task


async def published(application: Application) -> None:  # type: ignore[type-arg]
    """Wait until the profile set at start-up is done (tests, and nothing else needs to)."""
    task = application.bot_data.get(PROFILE_TASK)
    if isinstance(task, asyncio.Task):
        await asyncio.shield(task)
