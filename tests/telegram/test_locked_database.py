"""The bot while another process holds SQLite's write lock, and the inline connection's
transactions (``bot.storage.connection``): an update's point statements run on the event
loop's thread, never wait there, and never hold a transaction across an ``await``."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.core.rules import Ruleset
from bot.testing import FakeBotAPI
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer, answer_all, question_on_screen, start


async def test_an_answer_given_while_another_process_writes_is_stored_when_it_is_done(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
) -> None:
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    other = sqlite3.connect(db.connection.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. `hamroh rules diff --db` or a backup tool
    try:
        tapped = asyncio.create_task(answer(user, fixture_ruleset, "ru", PATENT_ANSWERS))
        for _ in range(2000):  # the event loop runs while the update waits for the lock
            if db.connection.inline_fallbacks:
                break
            await asyncio.sleep(0.005)
        assert db.connection.inline_fallbacks >= 1
        assert not tapped.done()
    finally:
        other.execute("COMMIT")
        other.close()
    assert await tapped == "citizenship"
    assert (await db.load_interview(user.user_id)).answers == {"citizenship": "UZ"}
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert errors == []


async def test_no_inline_transaction_is_open_while_the_loop_runs_something_else(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
) -> None:
    """A watcher runs between every two steps of the event loop for a whole
    questionnaire: the inline connection is never inside a transaction there."""
    app, db = await make_app()
    inline = db.connection.inline
    assert inline is not None
    seen_open: list[int] = []
    turns = 0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal turns
        while not done.is_set():
            turns += 1
            if inline.in_transaction:
                seen_open.append(turns)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    before = db.connection.inline_units
    user = BotUser(app, api)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    done.set()
    await watcher
    assert db.connection.inline_units - before > 10  # the point statements ran inline
    assert turns > 10 and seen_open == []
    assert errors == []
