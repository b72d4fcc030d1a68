"""One turn of the conversation in Telegram: who is writing, in which language, and
how a use case's reply reaches the chat.

Why a small object per update: every handler starts the same way (load the user
from storage, pick their language, note the activity) and ends the same way (draw
the reply's screens as messages). The decisions are the use cases'
(:mod:`bot.app.interview`, :mod:`bot.app.person`); this is the Telegram glue:
editing the tapped message, answering the callback query, the chat's command menu.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import Bot, BotCommandScopeChat, CallbackQuery, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.app.context import Context
from bot.app.interview import Step
from bot.app.screens import Answered, Attachment, LanguageChosen, Screen
from bot.i18n import Translator, locale_from_telegram, normalize_locale
from bot.storage import Storage, User
from bot.telegram import bot_api, render
from bot.telegram.commands import bot_commands
from bot.telegram.render import View
from bot.telegram.services import Services, services_of
from bot.telegram.state import state_token

logger = logging.getLogger(__name__)

RECORDS = (Answered, LanguageChosen)
"""Screens that only record what was tapped: if the tapped message cannot be edited
into one, nothing is sent instead."""


async def answer_query(query: CallbackQuery | None, text: str | None = None) -> None:
    """Stop the button's spinner; a query older than Telegram's window just fails quietly."""
    if query is None:
        return
    try:
        await query.answer(text)
    except TelegramError as error:
        logger.info("answerCallbackQuery failed: %s", type(error).__name__)


@dataclass
class Turn:
    """The user and chat of one update, with their language and the services."""

    services: Services
    bot: Bot
    user_id: int
    chat_id: int
    user: User | None
    locale: str
    guessed_locale: str
    """From Telegram's ``language_code``: only preselects the picker."""

    @property
    def storage(self) -> Storage:
        return self.services.storage

    @property
    def ctx(self) -> Context:
        """The use cases' view: served ruleset, today's legal day, this user's language."""
        services = self.services
        return Context(services.ruleset, services.today(), self.locale, services.catalogs)

    @property
    def _(self) -> Translator:
        return self.services.catalogs.gettext(self.locale)

    def use_locale(self, locale: str) -> None:
        self.locale = normalize_locale(locale)

    # ----------------------------------------------------------------- sending

    async def send(self, view: View | Sequence[View]) -> None:
        """Send one or more views in order."""
        for item in [view] if isinstance(view, View) else view:
            await bot_api.send_html(self.bot, self.chat_id, item.text, item.keyboard)

    async def show(self, screens: Sequence[Screen], token: str = "") -> None:
        """Draw screens as messages (files as documents or photos) and send them in order."""
        for screen in screens:
            if isinstance(screen, Attachment):
                file = render.attachment(screen, token)
                await bot_api.send_file(
                    self.bot,
                    self.chat_id,
                    file.kind,
                    file.filename,
                    file.content,
                    file.caption,
                    file.keyboard,
                )
            else:
                await self.send(render.draw(screen, token))

    async def deliver(
        self,
        step: Step,
        query: CallbackQuery | None = None,
        *,
        before_screens: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """A use case's reply in the chat: answer the tap (with its toast), drop or edit
        the tapped message, then send the new screens; buttons carry ``step.state``'s token."""
        reply = step.reply
        token = state_token(step.state)
        message = query.message if query is not None else None
        tapped = message if isinstance(message, Message) else None
        await answer_query(query, reply.toast)
        if reply.stale or reply.drop_actions:
            await self.drop_buttons(tapped)
        if reply.replace is not None:
            views = render.draw(reply.replace, token)
            edited = len(views) == 1 and await self.edit(tapped, views[0])
            if not edited and not isinstance(reply.replace, RECORDS):
                await self.send(views)
        if before_screens is not None:
            await before_screens()
        await self.show(reply.screens, token)

    async def edit(self, message: Message | None, view: View) -> bool:
        """Replace a bot message's text and buttons; ``False`` if it cannot be edited.

        Old messages (older than 48 hours, or gone after a restart of the client)
        cannot be edited; the caller then sends a new message instead.
        """
        if message is None or not isinstance(message, Message):
            return False
        try:
            await bot_api.edit_html(
                self.bot, self.chat_id, message.message_id, view.text, view.keyboard
            )
        except BadRequest as error:
            return "not modified" in str(error).lower()
        return True

    async def drop_buttons(self, message: Message | None) -> None:
        """Remove the keyboard of a bot message, if it still has one (best effort)."""
        if isinstance(message, Message) and message.reply_markup is not None:
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_reply_markup(
                    chat_id=self.chat_id, message_id=message.message_id, reply_markup=None
                )

    # ----------------------------------------------------------------- menus

    async def set_chat_menu(self) -> None:
        """Show the command menu in the chosen locale in this chat (Uzbek Cyrillic too).

        The global menus can only follow two-letter codes, so a ``uz_Cyrl`` user would
        see the Latin menu; a chat-scoped menu fixes that. Best effort.
        """
        try:
            await self.bot.set_my_commands(
                bot_commands(self._), scope=BotCommandScopeChat(self.chat_id)
            )
        except TelegramError as error:
            logger.warning("setMyCommands for a chat failed: %s", type(error).__name__)

    async def clear_chat_menu(self) -> None:
        try:
            await self.bot.delete_my_commands(scope=BotCommandScopeChat(self.chat_id))
        except TelegramError as error:
            logger.warning("deleteMyCommands for a chat failed: %s", type(error).__name__)


async def open_turn(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn | None:
    """Load the user of ``update`` (and note the activity); ``None`` for updates without one."""
    services = services_of(context)
    tg_user, chat = update.effective_user, update.effective_chat
    if tg_user is None or chat is None:
        return None
    user = await services.storage.seen(tg_user.id, services.now())
    guessed = locale_from_telegram(tg_user.language_code)
    locale = normalize_locale(user.locale) if user is not None else guessed
    return Turn(
        services=services,
        bot=context.bot,
        user_id=tg_user.id,
        chat_id=chat.id,
        user=user,
        locale=locale,
        guessed_locale=guessed,
    )
