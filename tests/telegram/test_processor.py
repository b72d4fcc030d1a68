"""Updates run concurrently across chats and strictly in order within one chat."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.core.rules import Ruleset
from bot.telegram.processor import PerChatUpdateProcessor, chat_key
from bot.testing import FakeBotAPI
from tests.telegram.conftest import BotUser

TYPED_ANSWERS = ["1", "да", "нет", "10.01.2025", "патент", "31.01.2025", "30.06.2025", "да"]
"""A whole fixture questionnaire typed (option number, words, dates): UZ patent worker."""


def _update(api: FakeBotAPI, user_id: int, text: str = "x") -> Update:
    return Update.de_json(api.text_update(user_id, text), None)


async def test_same_chat_in_order_other_chats_in_parallel(api: FakeBotAPI):
    processor = PerChatUpdateProcessor(max_concurrent_updates=16)
    log: list[tuple[int, int, str]] = []
    chat_two_started = asyncio.Event()

    async def work(chat: int, n: int) -> None:
        log.append((chat, n, "start"))
        if chat == 1 and n == 0:
            # Only finishes if chat 2 runs while chat 1's first update is in flight.
            await asyncio.wait_for(chat_two_started.wait(), timeout=10)
        if chat == 2:
            chat_two_started.set()
        for _ in range(3):
            await asyncio.sleep(0)
        log.append((chat, n, "end"))

    tasks = [
        asyncio.create_task(processor.process_update(_update(api, chat), work(chat, n)))
        for n in range(5)
        for chat in (1, 2)
    ]
    await asyncio.gather(*tasks)

    for chat in (1, 2):
        events = [(n, kind) for c, n, kind in log if c == chat]
        expected = [(n, kind) for n in range(5) for kind in ("start", "end")]
        assert events == expected  # in order, never two at once
    assert processor.chats_in_flight == 0


def test_chat_key(api: FakeBotAPI):
    assert chat_key(_update(api, 77)) == 77
    assert chat_key(object()) is None


async def test_many_users_typing_at_once_keep_their_own_answers(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """20 users' answers interleaved in one queue; each round trip to the API yields."""
    api.latency = 1.0  # fake seconds: every Bot API call yields to other tasks twice
    app, db = await make_app()
    users = [BotUser(app, api, user_id=5000 + i) for i in range(20)]
    for user in users:
        await db.upsert_user(user.user_id, user.user_id, "ru", api.clock.now())
    await app.start()
    try:
        for text in TYPED_ANSWERS:
            for user in users:
                update = Update.de_json(api.text_update(user.user_id, text), app.bot)
                await app.update_queue.put(update)
        await _until(lambda: all(_finished(user) for user in users))
    finally:
        await app.stop()

    for user in users:
        stored = (await db.load_interview(user.user_id)).answers
        assert stored == {
            "citizenship": "UZ",
            "in_russia": "yes",
            "in_registry": "no",
            "entry_date": "2025-01-10",
            "document": "patent",
            "patent_issue_date": "2025-01-31",
            "patent_paid_until": "2025-06-30",
            "registered": "yes",
        }
        assert (await db.get_user(user.user_id)).status == "legal"
    assert errors == []


def _finished(user: BotUser) -> bool:
    """The result is on screen: the last message carries the result buttons."""
    last = api_last(user)
    return last is not None and any((data or "").startswith("R:") for _t, data in last.buttons())


def api_last(user: BotUser) -> Any:
    return user.api.last_message(user.user_id)


async def _until(condition: Any, rounds: int = 20000) -> None:
    """Yield to the event loop until ``condition()`` holds (no wall-clock assertions)."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition not reached")
