"""What a completed questionnaire costs in Bot API calls (sends, edits, answered taps).

Before the next question carried the record of the tapped answer: 40 calls for a
16-step questionnaire (17 sends, 11 edits, 11 answered taps, 1 chat menu).

Why count: every call is a round trip to Telegram and a share of the bot's rate
limit, so the calls of one step are what a person waits for and what limits how
many people the bot serves at once (BENCHMARKS.md, benchmarks 1, 2 and 7). The
numbers here are the budget; a change that adds calls per step fails this test.
"""

from __future__ import annotations

import collections
from typing import Any

from bot.core.rules import Ruleset
from bot.testing import FakeBotAPI
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer_all, start


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
    assert calls["sendMessage"] <= steps + 1  # one message per step, the result in two
    assert calls["setMyCommands"] <= 1  # the chat's menu in the chosen language
    assert sum(calls.values()) <= 3 * steps
    assert errors == []
