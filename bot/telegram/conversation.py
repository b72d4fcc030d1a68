"""One turn of the conversation: who is writing, in which language, and what to show next.

Why a small object per update: every handler starts the same way (load the user
from storage, pick their language, note the activity) and ends the same way (show
the current question or the result). Keeping that here leaves the handlers as
short decisions, and keeps the rule "state is read from storage on every update"
in one place.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from telegram import Bot, BotCommandScopeChat, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.core.interview import Interview, current_question
from bot.core.rules import Assessment, Ruleset, evaluate, present
from bot.i18n import Translator, locale_from_telegram, normalize_locale
from bot.storage import Reminder, Storage, User
from bot.telegram import bot_api, render
from bot.telegram.commands import bot_commands
from bot.telegram.render import View
from bot.telegram.services import LEGAL_TIMEZONE, Services, services_of
from bot.telegram.state import load_state, state_token

logger = logging.getLogger(__name__)


@dataclass
class Turn:
    """The user and chat of one update, with their language and the services."""

    services: Services
    bot: Bot
    user_id: int
    chat_id: int
    user: User | None
    locale: str
    _: Translator
    guessed_locale: str
    """From Telegram's ``language_code``: only preselects the picker."""

    @property
    def storage(self) -> Storage:
        return self.services.storage

    @property
    def today(self) -> date:
        return self.services.today()

    @property
    def now(self) -> datetime:
        return self.services.now()

    def use_locale(self, locale: str) -> None:
        self.locale = normalize_locale(locale)
        self._ = self.services.catalogs.gettext(self.locale)

    # ----------------------------------------------------------------- sending

    async def send(self, view: View | Sequence[View]) -> None:
        """Send one or more views in order."""
        for item in [view] if isinstance(view, View) else view:
            await bot_api.send_html(self.bot, self.chat_id, item.text, item.keyboard)

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

    # ----------------------------------------------------------------- state views

    async def state(self) -> Interview:
        return await load_state(self.storage, self.services.ruleset, self.user_id)

    def question_view(
        self, state: Interview, *, notice: str | None = None, show_why: bool = False
    ) -> View | None:
        ruleset = self.services.ruleset
        item = current_question(state, ruleset, self.today)
        if item is None:
            return None
        return render.question(
            item,
            state,
            ruleset,
            self.today,
            self.locale,
            self._,
            self.services.catalogs,
            state_token(state),
            notice=notice,
            show_why=show_why,
        )

    def assess(self, state: Interview) -> tuple[Assessment, dict[str, object]]:
        assessment = evaluate(state.answers, self.today, self.services.ruleset)
        return assessment, present(assessment, self.services.ruleset, self.locale).to_json()

    async def show_current(
        self, state: Interview | None = None, *, notice: str | None = None, brief: bool = True
    ) -> None:
        """Show where the user is: the current question, or the result when all is answered.

        ``brief`` shows a finished interview as the status line with its buttons
        instead of the whole result again (for stale buttons and stray input).
        """
        if state is None:
            state = await self.state()
        view = self.question_view(state, notice=notice)
        if view is not None:
            await self.send(view)
            return
        if notice:
            await self.send(View("⚠️ " + render.esc(notice)))
        await self.show_result(state, brief=brief)

    async def show_next(self, state: Interview) -> None:
        """After an answer: the next question, or the result at once when all is answered."""
        view = self.question_view(state)
        if view is not None:
            await self.send(view)
        else:
            await self.show_result(state)

    async def show_result(self, state: Interview, *, brief: bool = False) -> Assessment:
        """Evaluate today's answers, store the summary, hand it to the planner, show it."""
        assessment, data = self.assess(state)
        token = state_token(state)
        citizenship = assessment.answers.get("citizenship")
        await self.storage.save_summary(
            self.user_id,
            citizenship if isinstance(citizenship, str) else None,
            assessment.status,
            assessment.ruleset_version,
            self.now,
            deadlines=[(d.id, d.date) for d in assessment.deadlines],
        )
        if brief:
            await self.send(render.result_brief(data, self.locale, self._, token))
            return assessment
        user = await self.storage.get_user(self.user_id)
        if user is not None and user.reminders_opt_in:
            await self.services.reminder_planner(self.user_id, assessment)
        await self.send(render.result(data, self.locale, self._, token))
        return assessment

    def reminders_view(self, opted_in: bool, stored: Sequence[Reminder]) -> View:
        return render.reminders(
            opted_in, stored, self.services.ruleset, self.locale, self._, LEGAL_TIMEZONE
        )

    async def send_contacts(self) -> None:
        """Contacts of the outcomes that fired, else all; for the user's citizenship."""
        ruleset = self.services.ruleset
        state = await self.state() if self.user is not None else Interview()
        ids: list[str] = []
        if state.answers and current_question(state, ruleset, self.today) is None:
            assessment, _data = self.assess(state)
            for fired in assessment.outcomes:
                ids += [c for c in fired.outcome.contacts if c not in ids]
        if not ids:
            ids = list(ruleset.contacts)
        items = contact_items(ruleset, ids, state.answers.get("citizenship"), self.locale)
        await self.send(render.contacts(items, self._))

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


def contact_items(
    ruleset: Ruleset, ids: Sequence[str], citizenship: object, locale: str
) -> list[dict[str, Any]]:
    """Contacts in ``locale``. One meant for some citizenships only (an embassy) is
    left out when the user gave another citizenship, and kept when it is unknown."""
    items = []
    for contact_id in ids:
        contact = ruleset.contacts.get(contact_id)
        if contact is None:
            continue
        if (
            contact.for_citizenship
            and citizenship is not None
            and citizenship not in contact.for_citizenship
        ):
            continue
        items.append(
            {
                "name": contact.name.get(locale),
                "how": contact.how.get(locale),
                "url": contact.url,
                "phone": contact.phone,
                "hours": contact.hours,
            }
        )
    return items


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
        _=services.catalogs.gettext(locale),
        guessed_locale=guessed,
    )
