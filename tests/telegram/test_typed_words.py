"""Words typed instead of tapped, through the real Application: the word for Back in
each locale shows the previous question, and a typed date is stored as understood."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.rules import Ruleset
from bot.testing import FakeBotAPI
from tests.telegram.conftest import BotUser
from tests.telegram.helpers import answer, question_on_screen, start


async def _at_entry_date(make_app, api, ruleset, locale):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, locale)
    answers = {"citizenship": "TJ", "in_russia": "yes", "in_registry": "no"}
    for _ in range(3):
        await answer(user, ruleset, locale, answers)
    assert question_on_screen(ruleset, user.last(), locale).id == "entry_date"
    return db, user


@pytest.mark.parametrize(
    ("locale", "word"),
    [("ru", "назад"), ("ky", "Артка"), ("tg", "бозгашт"), ("uz", "orqaga"), ("uz_Cyrl", "Орқага")],
)
async def test_typing_back_shows_the_previous_question(
    locale, word, make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    db, user = await _at_entry_date(make_app, api, fixture_ruleset, locale)
    before = (await db.load_interview(user.user_id)).answers
    await user.say(word)
    assert question_on_screen(fixture_ruleset, user.last(), locale).id == "in_registry"
    assert (await db.load_interview(user.user_id)).answers == before
    assert errors == []


async def test_a_date_typed_without_a_year_is_stored_in_the_year_it_means(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    db, user = await _at_entry_date(make_app, api, fixture_ruleset, "ky")
    await user.say("кечээ")
    stored = (await db.load_interview(user.user_id)).answers["entry_date"]
    assert question_on_screen(fixture_ruleset, user.last(), "ky").id != "entry_date"
    assert stored == (user_today(user) - timedelta(days=1)).isoformat()
    assert errors == []


def user_today(user: BotUser):
    return user.app.bot_data["hamroh"].today()


@pytest.mark.parametrize("locale", ["ru", "ky", "tg", "uz", "uz_Cyrl"])
async def test_the_next_message_repeats_the_date_it_understood(
    locale, make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """A typed date is said back in the person's own date grammar on the next question,
    so a wrong guess (of a missing year, say) is seen at once."""
    from bot.core.wording import format_day

    _db, user = await _at_entry_date(make_app, api, fixture_ruleset, locale)
    yesterday = user_today(user) - timedelta(days=1)
    await user.say(yesterday.strftime("%d.%m.%Y"))
    reply = user.last()
    assert question_on_screen(fixture_ruleset, reply, locale).id != "entry_date"
    first_line = reply.text.splitlines()[0]
    assert first_line.startswith("✅") and format_day(yesterday, locale) in first_line
    assert errors == []


async def test_a_button_answer_repeats_no_date(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    _db, user = await _at_entry_date(make_app, api, fixture_ruleset, "ru")
    assert not user.last().text.startswith("✅")
    assert errors == []
