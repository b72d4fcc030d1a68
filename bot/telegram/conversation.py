"""One turn of the conversation in Telegram: who is writing, in which language, and
how a use case's reply reaches the chat.

Why a small object per update: every handler starts the same way (load the user
from storage, pick their language, note the activity) and ends the same way (draw
the reply's screens as messages). The decisions are the use cases'
(:mod:`bot.app.interview`, :mod:`bot.app.person`); this is the Telegram glue:
editing the tapped message, answering the callback query, the chat's command menu.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from telegram import Bot, BotCommandScopeChat, CallbackQuery, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.app import person
from bot.app.context import Context
from bot.app.interview import Step, intro
from bot.app.screens import Answered, Attachment, Intro, LanguageChosen, Question, Screen
from bot.app.state import state_of
from bot.core.interview import Interview
from bot.i18n import Translator, locale_from_telegram, normalize_locale
from bot.storage import Interview as StoredInterview
from bot.storage import Storage, User
from bot.telegram import bot_api, render
from bot.telegram.commands import menu
from bot.telegram.render import MAX_MESSAGE, View, utf16_len
from bot.telegram.render.interview import GREETING_ICON
from bot.telegram.services import Services, services_of
from bot.telegram.state import state_token
from bot.telegram.updates import Tapped, chat_id_of, tapped_message

logger = logging.getLogger(__name__)

RECORDS = (Answered, LanguageChosen)
"""Screens that only record what was tapped: if the tapped message cannot be edited
into one, nothing is sent instead."""


async def answer_query(query: CallbackQuery | None, text: str | None = None) -> None:
    """Stop the button's spinner; a query older than Telegram's window just fails quietly."""
    if query is None:
        return
    try:
        await bot_api.answer_callback(query.get_bot(), query.id, text)
    except TelegramError as error:
        logger.info("answerCallbackQuery failed: %s", type(error).__name__)


@contextlib.asynccontextmanager
async def alongside(
    *calls: Awaitable[object],
) -> AsyncIterator[Callable[[Awaitable[object]], None]]:
    """Run best-effort Bot API calls while the block sends the reply; wait for them at the end.

    Why: each call is a round trip to Telegram (~50 ms). Answering a tap, recording the
    answer in the tapped message and setting the chat's menu change nothing the reply
    depends on, and none of them decides the order of the messages in the chat, so the
    person waits for one round trip instead of two or four. The calls are awaited before
    the handler ends (the next update of the chat starts after them, as before); they
    log their own Telegram errors, and anything else they raise is raised here. The
    block gets a function that starts one more such call.
    """
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        yield lambda call: tasks.append(asyncio.ensure_future(call))
    finally:
        if tasks:
            await asyncio.gather(*tasks)


RECORD_ROOM = 4096 - 1024
"""A record only opens a next message this long or shorter (Telegram: 4096 characters)."""


def record_carrier(
    replace: Screen, views: Sequence[View], screens: Sequence[Screen], token: str
) -> list[View] | None:
    """The next question, drawn, when the record of a tapped answer can open it instead
    of replacing the tapped message (else ``None``): one Bot API call less per answer
    (``editMessageText``), and the chat still shows every answer, each above the
    question that followed it. The tapped question keeps its buttons; a later tap on
    one is refused as stale. The drawn question is sent as it is (drawn once)."""
    if not isinstance(replace, Answered) or len(views) != 1 or not screens:
        return None
    first = screens[0]
    if not isinstance(first, Question):  # the result keeps its own first line
        return None
    drawn = render.draw(first, token)
    if drawn and len(views[0].text) + len(drawn[0].text) <= RECORD_ROOM:
        return drawn
    return None


def opens_next(screen: Screen, views: Sequence[View], following: Sequence[Screen]) -> bool:
    """Whether the greeting (``screen``, drawn as ``views``) opens the question that
    follows it instead of going out as a message of its own: one Bot API call and one
    round trip less on the language step, and the chat reads the same (the greeting,
    a blank line, the first question with its buttons). :meth:`Turn.show` sends the
    greeting alone after all if the two do not fit in one message."""
    return (
        isinstance(screen, Intro)
        and len(views) == 1
        and not views[0].keyboard
        and bool(following)
        and isinstance(following[0], Question)
    )


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
    stored: StoredInterview | None = field(default=None, repr=False)
    """The interview read with the user when the turn opened; taken by :meth:`state`."""

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

    async def state(self) -> Interview:
        """The person's interview state: the first call gets the one read with the user
        when the turn opened (updates of one chat run one at a time, so nothing wrote
        it since), later calls read storage again (the turn may have saved a new one)."""
        stored, self.stored = self.stored, None
        if stored is not None:
            return state_of(self.services.ruleset, stored)
        return await person.load(self.services, self.user_id)

    # ----------------------------------------------------------------- sending

    async def send(self, view: View | Sequence[View]) -> None:
        """Send one or more views in order."""
        for item in [view] if isinstance(view, View) else view:
            await bot_api.send_html(self.bot, self.chat_id, item.text, item.keyboard)

    async def show(
        self,
        screens: Sequence[Screen],
        token: str = "",
        record: str = "",
        first_drawn: list[View] | None = None,
    ) -> None:
        """Draw screens as messages (files as documents or photos) and send them in order.

        ``record`` (the answer just tapped) opens the first message; ``first_drawn`` is
        the first screen already drawn with ``token``. The greeting opens the question
        after it (:func:`opens_next`).
        """
        for index, screen in enumerate(screens):
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
                views = first_drawn if index == 0 and first_drawn else render.draw(screen, token)
                if record and views:
                    joined = record + "\n\n" + views[0].text
                    # counted on the HTML, never shorter than the text Telegram counts
                    if utf16_len(joined) <= MAX_MESSAGE:
                        views[0] = View(joined, views[0].keyboard)
                    else:  # too long for one message: the opening goes out on its own
                        await self.send(View(record))
                    record = ""
                if opens_next(screen, views, screens[index + 1 :]):
                    record = views[0].text
                    continue
                await self.send(views)

    async def deliver(
        self,
        step: Step,
        query: CallbackQuery | None = None,
        *,
        alongside_reply: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:
        """A use case's reply in the chat: answer the tap (with its toast), drop or edit
        the tapped message, then send the new screens; buttons carry ``step.state``'s token.

        The tap's answer, an edit that only records the answer (nothing is sent if it
        fails), taking the buttons off the tapped message when nothing else edits it, and
        ``alongside_reply`` (best-effort calls such as the chat's menu) go out at the
        same time as the new screens (:func:`alongside`).
        """
        reply = step.reply
        token = state_token(step.state)
        tapped = tapped_message(query)
        async with alongside(*(call() for call in alongside_reply)) as also:
            if query is not None:
                also(answer_query(query, reply.toast))
            if reply.stale or reply.drop_actions:
                if reply.replace is None:  # nothing else edits the tapped message
                    also(self.drop_buttons(tapped))
                else:
                    await self.drop_buttons(tapped)
            record = ""
            first_drawn = None
            if reply.replace is not None:
                views = render.draw(reply.replace, token)
                first_drawn = record_carrier(reply.replace, views, reply.screens, token)
                if first_drawn is not None:
                    record = views[0].text  # the next message says what was answered
                elif isinstance(reply.replace, RECORDS):
                    if len(views) == 1:  # if it cannot be edited, nothing is sent instead
                        also(self.record_in(tapped, views[0]))
                else:
                    edited = len(views) == 1 and await self.edit(tapped, views[0])
                    if not edited:
                        await self.send(views)
            await self.show(reply.screens, token, record, first_drawn)

    async def record_in(self, message: Tapped | None, view: View) -> None:
        """Edit the tapped message into the record of what was tapped (best effort:
        the chat then only lacks the record; the reply does not depend on it)."""
        try:
            await self.edit(message, view)
        except TelegramError as error:
            logger.info("recording the answer in the tapped message failed: %s",
                        type(error).__name__)  # fmt: skip

    async def edit(self, message: Tapped | None, view: View) -> bool:
        """Replace a bot message's text and buttons; ``False`` if it cannot be edited.

        Old messages (older than 48 hours, or gone after a restart of the client)
        cannot be edited; the caller then sends a new message instead.
        """
        if message is None:
            return False
        view = self.keeping_greeting(message, view)
        try:
            await bot_api.edit_html(
                self.bot, self.chat_id, message.message_id, view.text, view.keyboard
            )
        except BadRequest as error:
            return "not modified" in str(error).lower()
        return True

    def keeping_greeting(self, message: Tapped, view: View) -> View:
        """``view`` as the new text of ``message``: if the greeting opens that message
        (the first question's, :func:`opens_next`), it still opens it after the edit
        ("Why we ask this?", the record of the first answer), so it never leaves the
        chat. Recognised by the text Telegram shows; in another language than the
        person's now, it is not recognised and the edit replaces it, as before."""
        text = message.text
        if not text.startswith(GREETING_ICON):  # the usual case, decided cheaply
            return view
        greeting = render.draw(intro(self.ctx))[0].text
        if not text.startswith(render.plain_text(greeting)):
            return view
        joined = greeting + "\n\n" + view.text
        return View(joined, view.keyboard) if utf16_len(joined) <= MAX_MESSAGE else view

    async def drop_buttons(self, message: Tapped | None) -> None:
        """Remove the keyboard of a bot message, if it still has one (best effort)."""
        if message is not None and message.has_keyboard:
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
            await bot_api.set_chat_menu(self.bot, self.chat_id, menu(self._))
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
    tg_user, chat_id = update.effective_user, chat_id_of(update)
    if tg_user is None or chat_id is None:
        return None
    user, stored = await services.storage.seen_with_interview(tg_user.id, services.now())
    guessed = locale_from_telegram(tg_user.language_code)
    locale = normalize_locale(user.locale) if user is not None else guessed
    return Turn(
        services=services,
        bot=context.bot,
        user_id=tg_user.id,
        chat_id=chat_id,
        user=user,
        locale=locale,
        guessed_locale=guessed,
        stored=stored if user is not None else None,
    )
