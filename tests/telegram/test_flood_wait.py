"""Replies during a flood wait: a 429 pauses every send of the bot, and nobody is dropped.

The scenario of issue 15: a broadcast is running when Telegram answers 429 "retry
after 2" to every call for five seconds; three people write ``/start`` in that
window. Each of them must be answered once the wait ends, and the broadcast must
still reach everyone exactly once.

Time runs on :class:`QuickClock` — real time, five times faster — rather than on the
fake clock whose ``sleep`` jumps: the handlers wait on the database in real time,
and a jumping clock would let the sender race through the whole flood window
before the people's replies are even ready, so the test could not fail.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time

import pytest

from bot.delivery import MessagePayload
from bot.telegram.background import make_sender
from bot.testing import FakeBotAPI
from tests.telegram.conftest import NOW, BotUser
from tests.telegram.queue import queue_of

NEWS = MessagePayload("Новости: приём документов переносится")
SPEED = 5.0
RETRY_AFTER = 2
FLOOD_SECONDS = 5.0


class QuickClock:
    """Real time, ``SPEED`` times faster: ``sleep(d)`` waits ``d / SPEED`` real seconds."""

    def __init__(self, start: dt.datetime) -> None:
        self._start = start
        self._zero = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._zero) * SPEED

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=self.monotonic())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / SPEED)


@pytest.fixture
def clock() -> QuickClock:  # type: ignore[override]
    return QuickClock(NOW)


@pytest.fixture
def api(clock: QuickClock) -> FakeBotAPI:
    return FakeBotAPI(clock=clock)


async def wait_for(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.001)


async def test_people_who_write_during_a_flood_wait_are_answered_when_it_ends(
    make_app, api: FakeBotAPI, clock: QuickClock, errors
) -> None:
    app, db = await make_app()
    services = queue_of(app)
    recipients = range(1, 151)
    for uid in recipients:
        await db.upsert_user(uid, uid, "ru", clock.now())
    assert services.outbox is not None
    await services.outbox.create_broadcast(NEWS, [(c, c) for c in recipients], now=clock.now())
    sender = make_sender(services, app.bot)
    sender.start()
    try:
        await wait_for(lambda: api.messages_sent >= 20)
        api.flood_for(FLOOD_SECONDS, retry_after=RETRY_AFTER)
        people = [BotUser(app, api, user_id=uid) for uid in (2001, 2002, 2003)]
        await asyncio.sleep(0.05)  # half a second into the window: the queue has met the 429
        pressed_at = clock.monotonic()
        assert pressed_at < api.flood_ends_at
        await asyncio.wait_for(asyncio.gather(*(p.say("/start") for p in people)), 30)
        for person in people:
            calls = [
                c for c in api.calls_to("sendMessage") if c.params["chat_id"] == person.user_id
            ]
            answered = [c for c in calls if c.status == 200]
            assert len(answered) == 1, f"{person.user_id} was not answered"
            assert answered[0].at >= api.flood_ends_at  # nothing goes during the wait …
            assert answered[0].at <= api.flood_ends_at + RETRY_AFTER + 10  # … and soon after it
            assert person.last().reply_markup  # the language picker
            assert len(calls) <= FLOOD_SECONDS / RETRY_AFTER + 2  # waited, did not hammer
        refused_during_wait = [c for c in api.calls if c.status == 429 and c.at >= pressed_at]
        assert refused_during_wait  # the people really did write inside the window
        await wait_for(lambda: sender.stats.sent >= len(recipients))
    finally:
        await sender.stop()
    news = collections.Counter(
        c.params["chat_id"]
        for c in api.calls_to("sendMessage")
        if c.status == 200 and c.params["text"] == NEWS.text
    )
    assert set(news) == set(recipients) and set(news.values()) == {1}
    assert errors == []
