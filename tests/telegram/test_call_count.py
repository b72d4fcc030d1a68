"""What a completed questionnaire costs in Bot API calls (sends, edits, answered taps).

Before the next question carried the record of the tapped answer: 40 calls for a
16-step questionnaire (17 sends, 11 edits, 11 answered taps, 1 chat menu); then 31
(17 sends, 2 edits); since the greeting opens the first question, 30 (16 sends).

Why count: every call is a round trip to Telegram and a share of the bot's rate
limit, so the calls of one step are what a person waits for and what limits how
many people the bot serves at once (BENCHMARKS.md, benchmarks 1, 2 and 7). The
numbers here are the budget; a change that adds calls per step fails this test.
"""

from __future__ import annotations

import collections
from typing import Any

from bot.core.rules import Ruleset
from bot.testing import ApiError, FakeBotAPI
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer, answer_all, question_on_screen, start


async def test_calls_per_completed_questionnaire(
    make_app, api: FakeBotAPI, shipped_or_fixture: Ruleset, errors
) -> None:
    app, _db = await make_app(ruleset=shipped_or_fixture)
    user = BotUser(app, api, language_code="ru")
    taps = 0
    feed = user.feed

    async def counting_taps(update: dict[str, Any]) -> None:
        nonlocal taps
        taps += "callback_query" in update
        await feed(update)

    user.feed = counting_taps  # type: ignore[method-assign]
    before = len(api.calls)
    await start(user, "ru")
    asked = await answer_all(user, shipped_or_fixture, "ru", PATENT_ANSWERS)
    calls = collections.Counter(call.method for call in api.calls[before:])
    steps = len(asked) + 2  # /start, the language, then one step per answer
    print(f"{len(asked)} answers, {steps} steps, {taps} taps: {dict(calls)}")
    assert calls["answerCallbackQuery"] == taps  # every tap answered, once
    # A tapped answer is recorded at the top of the next question, not by editing the
    # tapped message (one call less per tap); only the last one, before the result, and
    # the language choice, before the first question, are edits.
    assert calls["editMessageText"] <= 2
    # one message per step: the greeting opens the first question, the result takes two
    assert calls["sendMessage"] <= steps
    assert calls["setMyCommands"] <= 1  # the chat's menu in the chosen language
    assert sum(calls.values()) <= steps + taps + 3  # 30 for the shipped questionnaire
    assert errors == []


def _spans(api: FakeBotAPI, since: int) -> dict[str, list[float]]:
    """When each call of the given slice started, by method (on the fake's clock)."""
    started: dict[str, list[float]] = collections.defaultdict(list)
    for call in api.calls[since:]:
        started[call.method].append(call.at)
    return started


async def test_a_tap_is_answered_while_the_next_question_is_sent(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
) -> None:
    """A person waits one round trip per tapped answer, not two: the tap's answer
    (``answerCallbackQuery``) goes out at the same time as the next question, and on the
    language step the record of the choice and the chat's menu do too. (The fake's clock
    only moves in its sleeps: every call takes exactly ``latency`` fake seconds.)"""
    app, _db = await make_app()
    user = BotUser(app, api)
    await user.say("/start")
    api.latency = 1.0
    before = len(api.calls)
    await user.tap("Русский")
    language = _spans(api, before)
    first_send = min(language["sendMessage"])
    for method in ("answerCallbackQuery", "editMessageText", "setMyCommands"):
        assert first_send < language[method][0] + 1.0, method  # sent before it finished
    assert len(language["sendMessage"]) == 1  # the greeting opens the first question

    before = len(api.calls)
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)  # citizenship: a tap
    tap = _spans(api, before)
    assert tap["sendMessage"][0] < tap["answerCallbackQuery"][0] + 1.0
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert errors == []


async def test_a_tap_telegram_will_not_answer_still_gets_the_next_question(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors, caplog
) -> None:
    """The tap's answer runs beside the reply: its failure (a query too old) is logged
    by name only and neither stops the reply nor reaches the error handler."""
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    api.fail_next(
        "answerCallbackQuery",
        ApiError(400, "Bad Request: query is too old and response timeout expired"),
    )
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)  # citizenship: a tap
    assert (await db.load_interview(user.user_id)).answers == {"citizenship": "UZ"}
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert "answerCallbackQuery failed: BadRequest" in caplog.text
    assert errors == []
