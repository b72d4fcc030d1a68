"""The command menu, in every language, set with ``setMyCommands`` on start.

Why per language: the menu is the first thing many users tap. Telegram picks the
menu by the client's two-letter interface language (``ru``, ``ky``, ``tg``,
``uz``); every other client gets the default (Russian). A user who picks a
language gets a menu for their chat as well (see ``Turn.set_chat_menu``), which is
how Uzbek Cyrillic readers get a Cyrillic menu.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.i18n import FALLBACK, MENU_LANGUAGE_CODES, N_, Catalogs, Translator

logger = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start the check")),
    ("status", N_("My result for today")),
    ("answers", N_("My answers")),
    ("language", N_("Change the language")),
    ("reminders", N_("Reminders")),
    ("contacts", N_("Where to get help")),
    ("help", N_("Help")),
    ("privacy", N_("What I keep about you")),
    ("forget", N_("Delete my data")),
)
"""Command names and their menu descriptions (msgids), in menu order."""

COMMAND_NAMES = frozenset(name for name, _ in COMMANDS)


def bot_commands(_: Translator) -> list[BotCommand]:
    return [BotCommand(name, _(description)) for name, description in COMMANDS]


def menu(_: Translator) -> list[dict[str, str]]:
    """The menu as the Bot API's plain ``BotCommand`` objects (what ``bot_commands``
    becomes when PTB posts it), for :func:`bot.telegram.bot_api.set_chat_menu`."""
    return [{"command": name, "description": _(description)} for name, description in COMMANDS]


async def set_menus(bot: Bot, catalogs: Catalogs) -> None:
    """Default (Russian) menu plus one per two-letter language code. Logs and goes on on failure."""
    plans = [(None, FALLBACK), *MENU_LANGUAGE_CODES.items()]
    for code, locale in plans:
        try:
            await bot.set_my_commands(bot_commands(catalogs.gettext(locale)), language_code=code)
        except TelegramError as error:
            logger.warning("setMyCommands(%s) failed: %s", code or "default", type(error).__name__)
