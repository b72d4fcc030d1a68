"""The bot's profile at Telegram — command menus and descriptions in every language —
set in the background at start.

Why descriptions: they are the first thing a person sees, before pressing *Start*
(the description) and on the bot's profile and in shared links (the short one). So
they say what the bot does and, for people who may be undocumented, that it asks
for no name, passport or phone number.

Why only when changed: each language's texts are read back first
(``getMyDescription``/``getMyShortDescription``) and set only if they differ, so a
restart costs reads, not writes that Telegram rate-limits more strictly.

Why in the background: each of these calls is a round trip to Telegram (five
languages: twenty-five of them with the menus), and none is needed to answer the
first message; waiting for them before the first ``getUpdates`` made every restart
that much slower for the people writing meanwhile. Failures are logged and the bot
goes on.

Languages: Telegram picks these texts by the client's two-letter interface language
(``ru``, ``ky``, ``tg``, ``uz``; the default, for every other client, is Russian).
Uzbek Cyrillic cannot have its own: there is no two-letter code for it, and unlike
the command menu (set per chat once a person picks ``uz_Cyrl``) descriptions have no
per-chat scope; ``uz`` clients see the Latin texts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import FALLBACK, MENU_LANGUAGE_CODES, N_, Catalogs
from bot.telegram.commands import set_menus
from bot.telegram.services import services_of

logger = logging.getLogger(__name__)

PROFILE_TASK = "hamroh.profile_task"

DESCRIPTION: Final = N_(
    "Hamroh helps migrants from Central Asia understand their likely legal status in "
    "Russia. It asks a few questions in your language, then tells you what applies to "
    "you, what to do and by when, and reminds you before deadlines. It does not ask for "
    "your name, passport or phone number. It is not legal advice."
)
"""Shown in an empty chat, before *Start* (Telegram allows 512 characters)."""

SHORT_DESCRIPTION: Final = N_(
    "Your likely status in Russia, what to do and by when. No name or passport needed."
)
"""Shown on the bot's profile and with shared links (Telegram allows 120 characters)."""


async def set_descriptions(bot: Bot, catalogs: Catalogs) -> int:
    """Description and short description per two-letter language, where they differ
    from what Telegram has; returns how many were set. Logs and goes on on failure."""
    changed = 0
    for code, locale in [(None, FALLBACK), *MENU_LANGUAGE_CODES.items()]:
        _ = catalogs.gettext(locale)
        label = code or "default"
        try:
            current = await bot.get_my_description(language_code=code)
            if current.description != _(DESCRIPTION):
                await bot.set_my_description(_(DESCRIPTION), language_code=code)
                changed += 1
            current_short = await bot.get_my_short_description(language_code=code)
            if current_short.short_description != _(SHORT_DESCRIPTION):
                await bot.set_my_short_description(_(SHORT_DESCRIPTION), language_code=code)
                changed += 1
        except TelegramError as error:
            logger.warning("bot description (%s) not set: %s", label, type(error).__name__)
    if changed:
        logger.info("bot descriptions updated: %d", changed)
    return changed


async def publish(bot: Bot, catalogs: Catalogs) -> None:
    """Menus, then descriptions."""
    await set_menus(bot, catalogs)
    await set_descriptions(bot, catalogs)


def publish_in_background(application: Application) -> asyncio.Task[None]:  # type: ignore[type-arg]
    """Start setting the profile; the task is cancelled with the other background tasks."""
    services = services_of(application)
    task = services.start_task(publish(application.bot, services.catalogs), "hamroh-profile")
    application.bot_data[PROFILE_TASK] = task
    return task


async def published(application: Application) -> None:  # type: ignore[type-arg]
    """Wait until the profile set at start-up is done (tests, and nothing else needs to)."""
    task = application.bot_data.get(PROFILE_TASK)
    if isinstance(task, asyncio.Task):
        await asyncio.shield(task)
