"""Hamroh on PostgreSQL: a questionnaire end to end, and two instances on one database."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.rules import Ruleset
from bot.i18n import LANGUAGE_NAMES
from bot.testing import FakeBotAPI
from bot.testing.answers import neutral_answer
from tests.cluster.conftest import eventually, put
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer_all, start

PEOPLE = 200
GAP = 0.1
"""Seconds between one person's answers: fast typing, well above the 50 ms settle, far
below the time two busy instances take to handle an answer (so they overlap)."""


async def test_a_questionnaire_end_to_end_on_postgresql(
    make_instance, api: FakeBotAPI, fixture_ruleset: Ruleset
) -> None:
    app, storage = await make_instance()
    user = BotUser(app, api, user_id=4242, language_code="ky")
    await start(user, "ky")
    asked = await answer_all(user, fixture_ruleset, "ky", PATENT_ANSWERS)
    assert asked[0] == "citizenship"
    stored = await storage.load_interview(4242)
    assert set(stored.answers) == set(asked)
    row = await storage.get_user(4242)
    assert row is not None and (row.locale, row.status, row.citizenship) == ("ky", "legal", "UZ")
    assert "✅ Кыязы, сиз Россияда мыйзамдуу жүрөсүз" in user.last().text  # the result card


def typed_answer(ruleset: Ruleset, text: str, locale: str) -> tuple[str, str] | None:
    """The question a bot text asks and what a person types to answer it."""
    for question in ruleset.questions:
        if question.text.get(locale) in text:
            value = PATENT_ANSWERS.get(question.id) or neutral_answer(ruleset, question)
            if value in ruleset.option_values(question):
                label = ruleset.option_label(question, value).get(locale)
                assert label is not None
                return question.id, label
            return question.id, value
    return None


async def walk_typing(user: BotUser, ruleset: Ruleset, locale: str) -> list[str]:
    """One person answers every question by typing, reading each reply first."""
    typed: list[str] = []
    for _ in range(40):
        found = typed_answer(ruleset, user.last().text, locale)
        if found is None:
            return typed
        typed.append(found[1])
        await user.say(found[1])
    raise AssertionError("the questionnaire did not end")


async def test_two_instances_answer_200_people_at_once_each_in_order(
    make_instance, api: FakeBotAPI, fixture_ruleset: Ruleset
) -> None:
    """Every person's updates alternate between the instances and are sent without
    waiting for replies; each is handled once and in order, or the answers would
    land on the wrong questions (with the in-memory per-chat processor they do)."""
    locale = "ru"
    one, store_one = await make_instance(start=True)
    two, _ = await make_instance(start=True)
    instances = (one, two)

    # What one person sees when they read every reply before typing (the reference).
    reference = BotUser(one, api, user_id=1, language_code=locale)
    await start(reference, locale)
    typed = await walk_typing(reference, fixture_ruleset, locale)
    expected_texts = [m.text for m in reference.messages()]
    expected_answers = (await store_one.load_interview(1)).answers
    assert len(typed) >= 5 and expected_answers, expected_texts[-3:]

    async def person(user_id: int) -> None:
        user = BotUser(one, api, user_id=user_id, language_code=locale)
        await put(instances[user_id % 2], api.text_update(user_id, "/start", language_code=locale))
        await eventually(lambda: any(m.buttons() for m in user.messages()))
        message_id, data = user.find_button(LANGUAGE_NAMES[locale])
        await put(
            instances[(user_id + 1) % 2],
            api.callback_update(user_id, message_id, data, language_code=locale),
        )
        await eventually(
            lambda: typed_answer(fixture_ruleset, user.last().text, locale) is not None
        )
        for n, text in enumerate(typed):  # alternating instances, without reading replies
            await put(instances[n % 2], api.text_update(user_id, text, language_code=locale))
            await asyncio.sleep(GAP)
        await eventually(lambda: len(user.messages()) >= len(expected_texts), timeout=120)

    await asyncio.gather(*(person(uid) for uid in range(2, PEOPLE + 2)))
    await eventually(lambda: all(not app.update_queue.qsize() for app in instances))
    await asyncio.sleep(0.2)  # nothing more may arrive: each update was handled once
    for user_id in range(2, PEOPLE + 2):
        texts = [m.text for m in api.messages(user_id)]
        assert texts == expected_texts, f"person {user_id} saw something else"
        assert (await store_one.load_interview(user_id)).answers == expected_answers


async def test_an_update_delivered_to_both_instances_is_handled_once(
    make_instance, api: FakeBotAPI
) -> None:
    one, _ = await make_instance(start=True)
    two, _ = await make_instance(start=True)
    update: dict[str, Any] = api.text_update(77, "/start", language_code="tg")
    await put(one, update)
    await put(two, update)
    await eventually(lambda: len(api.messages(77)) >= 1)
    await asyncio.sleep(0.3)
    assert len(api.messages(77)) == 1
    processors = [one.update_processor, two.update_processor]
    assert sum(getattr(p, "duplicates", 0) for p in processors) == 1
