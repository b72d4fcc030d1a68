"""The result card end to end: the real PTB application on the fake Bot API, a person
answering every question in their language, then reading the card and tapping each
detail button; the terminal chat, given the same answers, shows the same card.

Personas are the shipped rule tests' (rules/tests/*.yaml), on the day each is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import chat
from bot.app.state import load_state
from bot.chat import run_chat
from bot.core.answers import parse_answer
from bot.core.card import MAX_VISIBLE, build_card
from bot.core.locales import LOCALES
from bot.core.rules import Ruleset, evaluate, load_ruleset
from bot.i18n import gettext
from bot.settings import Settings
from bot.storage import Database
from bot.telegram.app import build_application
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock
from bot.testing.answers import neutral_answer
from tests.telegram.conftest import BotUser, close_app
from tests.telegram.helpers import answer_all, start

ROOT = Path(__file__).resolve().parents[2]

PERSONAS = (
    "TJ: one day after the registration deadline",  # overdue: must lead
    "Persona 1: UZ patent paid on time in Moscow",  # legal, deadlines with notes
    "Persona 2: TJ patent paid until yesterday",  # lapsed patent: irregular, overdue
    "Persona 8: Kyrgyz worker just arrived in Moscow",  # three things to do
    "TJ patent holder whose medical expired",  # crowded deadlines
    "persona 5: Uzbek citizen on the registry",  # controlled, nothing dated
)


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset(ROOT / "rules")


def _case(ruleset: Ruleset, name: str) -> Any:
    return next(t.case for t in ruleset.tests if t.case.name.startswith(name))


def _typed(value: object) -> str:
    """An answer as the person types or taps it."""
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


Factory = Callable[[dt.date], Any]


@pytest.fixture
async def app_on(tmp_path: Path, ruleset: Ruleset) -> AsyncIterator[Factory]:
    """``await app_on(day)``: the application with its clock at noon in Moscow on ``day``."""
    opened: list[Any] = []

    async def factory(day: dt.date) -> tuple[Any, Database, FakeBotAPI]:
        clock = FakeClock(dt.datetime.combine(day, dt.time(9), dt.UTC))
        api = FakeBotAPI(clock=clock)
        settings = Settings(
            bot_token=DEFAULT_TOKEN,
            db_path=tmp_path / f"{day.isoformat()}-{len(opened)}.sqlite3",
            rules_dir=ROOT / "rules",
        )
        database = await Database.open(settings.db_path)
        application = build_application(
            settings,
            storage=database,
            ruleset=ruleset,
            clock=clock,
            request=api.request(),
            get_updates_request=api.request(),
        )
        await application.initialize()
        opened.append((application, database))
        return application, database, api

    yield factory
    for application, database in opened:
        await close_app(application, database)


def _texts(user: BotUser, since: int) -> str:
    return "\n".join(user.texts_since(since))


def _card_message(user: BotUser, card_text: str) -> Any:
    for message in reversed(user.messages()):
        if message.text == card_text:
            return message
    raise AssertionError(f"no message is the card:\n{card_text}\n---\n{user.last().text}")


@pytest.mark.parametrize("locale", LOCALES)
async def test_each_persona_reads_the_card_and_every_detail_button_works(
    locale: str, app_on: Factory, ruleset: Ruleset, errors
):
    for name in PERSONAS:
        case = _case(ruleset, name)
        app, db, api = await app_on(case.as_of)
        _ = app.bot_data["hamroh"].catalogs.gettext(locale)
        user = BotUser(app, api, user_id=5000 + PERSONAS.index(name))
        await start(user, locale)
        await answer_all(user, ruleset, locale, {k: _typed(v) for k, v in case.answers.items()})

        state = await load_state(db, ruleset, user.user_id)
        assessment = evaluate(state.answers, case.as_of, ruleset)
        card = build_card(assessment, ruleset, locale, _)
        message = _card_message(user, card.text())
        assert len(message.text) <= MAX_VISIBLE, (name, locale, len(message.text))
        assert message.parse_mode == "HTML" and "<b>" in message.raw_text
        if any(f.outcome.overdue for f in assessment.outcomes):
            items = [line.text for line in card.lines() if line.kind == "item"]
            assert items[0].startswith("⚠️ "), (name, locale)  # the message is the card
            assert message.text.index(items[0]) < min(
                message.text.index(i) for i in items[1:] or items
            )
            calm = ruleset.header.statuses["action_needed"].summary.get(locale)
            assert calm not in message.text

        await _tap_every_detail(user, message, assessment, ruleset, locale, _)
    assert errors == []


async def _tap_every_detail(
    user: BotUser, card: Any, assessment: Any, ruleset: Ruleset, locale: str, _: Any
) -> None:
    labels = [text for text, _data in card.buttons()]
    expected = [_("Why?"), _("Every step"), _("Law and sources"), _("Contacts")]
    if assessment.deadlines:
        expected += [_("Remind me"), _("Add to calendar"), _("Timeline picture")]
    expected += [_("Show to an official"), _("Change an answer")]
    assert [label.split(" ", 1)[1] for label in labels] == expected

    seen = len(user.messages())
    await user.tap(_("Why?"), card)
    assert _("Why this result") in _texts(user, seen)

    seen = len(user.messages())
    await user.tap(_("Every step"), card)
    steps = _texts(user, seen)
    scam = ruleset.header.scam_warning.get(locale)
    money = any(f.outcome.scam_warning for f in assessment.outcomes)
    assert steps.count(scam) == (1 if money else 0)  # once per result, not once per outcome
    for deadline in assessment.deadlines:
        assert ruleset.header.deadlines[deadline.id].label.get(locale) in steps
    for fired in assessment.outcomes:
        for written in fired.outcome.deadlines:
            if written.note is not None and assessment.deadline(written.id) is not None:
                assert written.note.get(locale) in steps  # the rules' note is kept

    seen = len(user.messages())
    await user.tap(_("Law and sources"), card)
    sources = _texts(user, seen)
    assert ruleset.header.disclaimer.get(locale) in sources
    for fired in assessment.outcomes:
        assert ruleset.sources[fired.outcome.sources[0]].title in sources

    seen = len(user.messages())
    await user.tap(_("Contacts"), card)
    assert user.messages()[seen:], "contacts answered nothing"

    seen = len(user.messages())
    await user.tap(_("Show to an official"), card)
    official = _texts(user, seen)
    russian = build_card(
        assessment, ruleset, "ru", user.app.bot_data["hamroh"].catalogs.gettext("ru")
    )
    assert russian.text() in official
    assert _("Show this screen to an official: it is in Russian.") in official
    assert "Гражданство: " in official

    if assessment.deadlines:
        seen = len(user.messages())
        await user.tap(_("Add to calendar"), card)
        [sent] = user.messages()[seen:]
        assert sent.attachment is not None and sent.attachment.file_name == "calendar.ics"
        assert sent.attachment.content.startswith(b"BEGIN:VCALENDAR")
        assert sent.attachment.content.count(b"BEGIN:VEVENT") == len(
            {d.id for d in assessment.deadlines}
        )

        seen = len(user.messages())
        await user.tap(_("Remind me"), card)
        assert _("Reminders are on.") in _texts(user, seen)


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_terminal_chat_shows_the_same_card(locale: str, ruleset: Ruleset, monkeypatch):
    # the same rules/ folder, loaded once for the module rather than once per persona
    monkeypatch.setattr(chat, "load_ruleset", lambda _directory: ruleset)
    for name in PERSONAS:
        case = _case(ruleset, name)
        answers = {k: _typed(v) for k, v in case.answers.items()}
        out: list[str] = []
        given: dict[str, Any] = {}
        ask = _answering(ruleset, locale, case.as_of, answers, given, out)
        assert run_chat(str(ROOT / "rules"), case.as_of, locale, ask, out.append) == 0
        shown = "\n".join(out)
        assessment = evaluate(given, case.as_of, ruleset)
        card = build_card(assessment, ruleset, locale, gettext(locale))
        assert card.text() in shown, (name, locale)


def _answering(
    ruleset: Ruleset,
    locale: str,
    as_of: dt.date,
    answers: dict[str, str],
    given: dict[str, Any],
    out: list[str],
) -> Callable[[str], str]:
    """A person at the terminal: reads the last question shown, types its answer (the
    option's label in their language, or the date or number), and stops at the result.
    ``given`` collects the answers as stored."""

    def ask(_prompt: str) -> str:
        screen = out[-1] if out else ""
        for text in reversed(out):
            if any(q.text.get(locale) in text for q in ruleset.questions):
                screen = text
                break
        question = next((q for q in ruleset.questions if q.text.get(locale) in screen), None)
        if question is None or question.id in given:
            raise EOFError
        value = answers.get(question.id, neutral_answer(ruleset, question))
        typed = value
        if value in ruleset.option_values(question):
            typed = ruleset.option_label(question, value).get(locale)
        given[question.id] = parse_answer(question, typed, ruleset, as_of)
        return typed

    return ask
