"""Walk a user through the questionnaire the way a person would: read, tap or type."""

from __future__ import annotations

from bot.core.rules import Ruleset
from bot.core.rules.model import Question
from bot.i18n import LANGUAGE_NAMES
from bot.testing import SentMessage
from bot.testing.answers import neutral_answer
from tests.telegram.conftest import BotUser


def question_on_screen(ruleset: Ruleset, message: SentMessage, locale: str) -> Question | None:
    """The question a bot message asks, recognised by its text in ``locale``: the last
    one in the message (a message may open with the record of the previous answer)."""
    found = [
        (message.text.rfind(text), question)
        for question in ruleset.questions
        if (text := question.text.get(locale)) and text in message.text
    ]
    return max(found, key=lambda item: item[0])[1] if found else None


async def start(user: BotUser, locale: str) -> None:
    """/start and pick ``locale`` in the language picker."""
    await user.say("/start")
    await user.tap(LANGUAGE_NAMES[locale])


async def answer(user: BotUser, ruleset: Ruleset, locale: str, answers: dict[str, str]) -> str:
    """Answer the question on screen: tap its option, or type the value. Returns its id."""
    message = user.last_with_buttons() if user.last().reply_markup else user.last()
    question = question_on_screen(ruleset, message, locale)
    assert question is not None, f"no question on screen: {message.text!r}"
    value = answers[question.id] if question.id in answers else neutral_answer(ruleset, question)
    if value in ruleset.option_values(question):
        await user.tap(ruleset.option_label(question, value).get(locale), message)
    else:
        await user.say(value)
    return question.id


async def answer_all(
    user: BotUser, ruleset: Ruleset, locale: str, answers: dict[str, str], limit: int = 30
) -> list[str]:
    """Answer until no question is on screen; returns the ids asked, in order."""
    asked: list[str] = []
    for _ in range(limit):
        message = user.last_with_buttons()
        if question_on_screen(ruleset, message, locale) is None:
            return asked
        asked.append(await answer(user, ruleset, locale, answers))
    raise AssertionError(f"questionnaire did not end after {limit} answers: {asked}")
