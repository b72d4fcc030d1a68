"""Simulated people for the Telegram benchmarks: they read the bot's last message,
tap a button or type an answer, and wait for the bot before the next step.

Why closed-loop users and not a pre-recorded stream: callback buttons carry state
tokens and message ids that only exist once the bot has answered, exactly as for a
real person. Updates go through ``application.update_queue`` — the path long polling
and the webhook use — and a handler in a late group (99) tells the waiting user
that its update is done (PTB runs handler groups in order, and goes on to later
groups after a handler error, so every update reaches it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.core.rules import Ruleset
from bot.core.rules.model import Question
from bot.i18n import LANGUAGE_NAMES
from bot.testing import FakeBotAPI, SentMessage
from bot.testing.answers import neutral_answer

try:
    from bot.telegram.updates import trimmed_update
except ImportError:  # an older commit of the bot, measured with these scripts beside this one

    def trimmed_update(update: dict[str, Any]) -> dict[str, Any]:
        return update


NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)
"""The injected 'today' (noon in Moscow on 5 March 2025): the personas' dates fit it."""

DONE_GROUP = 99

PERSONAS: dict[str, dict[str, str]] = {
    "patent_worker_uz": {
        "citizenship": "UZ", "in_russia": "yes", "in_registry": "no",
        "entry_date": "10.01.2025", "document": "patent", "patent_issue_date": "31.01.2025",
        "patent_paid_until": "30.06.2025", "registered": "yes", "contract_copy_filed": "yes",
        "purpose": "work", "region": "other", "biometrics_done": "yes",
        "medical_date": "01.02.2025", "days_in_russia_this_year": "0", "amina": "yes",
    },
    "eaeu_worker_kg": {
        "citizenship": "KG", "in_russia": "yes", "in_registry": "no",
        "entry_date": "15.11.2024", "document": "eaeu_contract", "purpose": "work",
        "contract_end_date": "31.12.2025", "region": "moscow", "registered": "yes",
        "days_in_russia_this_year": "0",
    },
    "overstayer_tj": {
        "citizenship": "TJ", "in_russia": "yes", "in_registry": "unknown",
        "entry_date": "01.10.2024", "document": "none", "purpose": "private",
        "region": "spb", "registered": "no", "days_in_russia_this_year": "40",
    },
    "abroad_uz": {"citizenship": "UZ", "in_russia": "no", "entry_ban": "unknown"},
}  # fmt: skip
"""Four kinds of people; questions a persona does not list get a cautious default."""


def _trims(application: Application) -> bool:  # type: ignore[type-arg]
    """Whether the application's ``getUpdates`` connection trims updates (ours does)."""
    request = application.bot._request[0]  # PTB keeps (getUpdates, other calls) here
    return type(request).__name__ == "TrimmedUpdatesRequest"


class Driver:
    """Put updates into the application's queue and wait until each is handled."""

    def __init__(self, application: Application, timeout: float = 120.0) -> None:  # type: ignore[type-arg]
        self.application = application
        self.trimmed = _trims(application)
        self.timeout = timeout
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self.updates = 0
        application.add_handler(TypeHandler(Update, self._done), group=DONE_GROUP)

    async def _done(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        future = self._waiting.pop(update.update_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def feed(self, data: dict[str, Any]) -> None:
        """Decoded as the bot's ``getUpdates`` connection decodes it (for ours: trimmed
        of the tapped message's buttons, ``bot.telegram.updates``; a bare PTB bot gets
        PTB's own decoding)."""
        if self.trimmed:
            data = trimmed_update(data)
        update = Update.de_json(data, self.application.bot)
        future = asyncio.get_running_loop().create_future()
        self._waiting[update.update_id] = future
        await self.application.update_queue.put(update)
        await asyncio.wait_for(future, self.timeout)
        self.updates += 1


def question_on_screen(ruleset: Ruleset, message: SentMessage, locale: str) -> Question | None:
    """The question a bot message asks, recognised by its text in ``locale``: the last
    one in the message (a message may open with the record of the previous answer)."""
    found = [
        (message.text.rfind(text), question)
        for question in ruleset.questions
        if (text := question.text.get(locale)) and text in message.text
    ]
    return max(found, key=lambda item: item[0])[1] if found else None


@dataclass
class Outcome:
    """What one simulated person went through (compared with the reference run)."""

    asked: list[str] = field(default_factory=list)
    result_text: str = ""


class SimUser:
    """One person in a private chat: /start, pick a language, answer until the result."""

    def __init__(
        self,
        driver: Driver,
        api: FakeBotAPI,
        ruleset: Ruleset,
        user_id: int,
        locale: str,
        answers: dict[str, str],
        limit: int = 40,
    ) -> None:
        self.driver, self.api, self.ruleset = driver, api, ruleset
        self.user_id, self.locale, self.answers = user_id, locale, answers
        self.limit = limit

    async def say(self, text: str) -> None:
        await self.driver.feed(self.api.text_update(self.user_id, text, language_code="ru"))

    async def tap(self, message: SentMessage, label: str) -> None:
        for text, data in message.buttons():
            if data is not None and (text == label or text.endswith(label)):
                update = self.api.callback_update(
                    self.user_id, message.message_id, data, language_code="ru"
                )
                await self.driver.feed(update)
                return
        raise AssertionError(f"user {self.user_id}: no button {label!r}")

    def _last_with_buttons(self) -> SentMessage:
        for message in reversed(self.api.messages(self.user_id)):
            if message.reply_markup and message.reply_markup.get("inline_keyboard"):
                return message
        raise AssertionError(f"user {self.user_id}: no message with buttons")

    async def run(self) -> Outcome:
        outcome = Outcome()
        await self.say("/start")
        await self.tap(self._last_with_buttons(), LANGUAGE_NAMES[self.locale])
        for _ in range(self.limit):
            last = self.api.last_message(self.user_id)
            assert last is not None
            message = self._last_with_buttons() if last.reply_markup else last
            question = question_on_screen(self.ruleset, message, self.locale)
            if question is None:
                outcome.result_text = "\n".join(m.text for m in self.api.messages(self.user_id))
                return outcome
            outcome.asked.append(question.id)
            value = self.answers.get(question.id) or neutral_answer(self.ruleset, question)
            if value in self.ruleset.option_values(question):
                await self.tap(message, self.ruleset.option_label(question, value).get(self.locale))
            else:
                await self.say(value)
        raise AssertionError(f"user {self.user_id}: questionnaire did not end")
