"""The sender against the fake Bot API: pacing, 429/403/400/network handling, crashes."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import itertools
import logging
from collections.abc import Callable

import pytest
from telegram import Bot, Update
from telegram.error import InvalidToken
from telegram.ext import CommandHandler, ContextTypes

from bot.delivery import (
    BudgetRateLimiter,
    MessagePayload,
    Outbox,
    OutboxItem,
    SendBudget,
    Sender,
    mark_inactive,
)
from bot.storage import Database, NewReminder, Storage
from bot.testing import (
    BLOCKED,
    CONNECTION_LOST,
    TIMED_OUT,
    TIMED_OUT_AFTER_DELIVERY,
    ApiError,
    FakeBotAPI,
    FakeClock,
    flood,
)
from tests.delivery.conftest import limited_app
from tests.storage.inspect import query

NEWS = MessagePayload("Yangi qoidalar: 2025-yil 1-sentabrdan")


async def eventually(condition: Callable[[], bool], max_steps: int = 500_000) -> None:
    """Let the event loop run until ``condition()`` holds; fail instead of hanging."""
    for _ in range(max_steps):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


def sent_times(api: FakeBotAPI) -> list[float]:
    return [c.at for c in api.calls_to("sendMessage") if c.status == 200]


def max_per_second(times: list[float]) -> int:
    """Most accepted sends in any half-open 1-second window (what Telegram measures)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - 1.0 + 1e-6:
            start += 1
        best = max(best, end - start + 1)
    return best


def copies(api: FakeBotAPI, text: str) -> collections.Counter[int]:
    return collections.Counter(
        m.chat_id for chat in api.chats() for m in api.messages(chat) if m.text == text
    )


async def add_users(db: Database, ids: range, clock: FakeClock) -> None:
    for uid in ids:
        await db.upsert_user(uid, uid, "uz", clock.now())


async def outbox_states(db: Storage) -> collections.Counter[str]:
    return collections.Counter(row[0] for row in await query(db, "SELECT state FROM outbox"))


async def test_broadcast_at_30_per_second_loses_nothing(db, outbox, api, bot, clock) -> None:
    """The acceptance scenario: 30/s enforced by the fake, 429s, blocked users, a bad chat."""
    users = range(1, 151)
    await add_users(db, users, clock)
    api.flood_every, api.retry_after = 40, 2  # extra 429s on top of the rate window
    api.fail_next("sendMessage", flood(5), chat_id=33)
    api.blocked.update({5, 50, 120})
    api.missing_chats.add(77)
    bid = await outbox.create_broadcast(NEWS, [(u, u) for u in users], now=clock.now())
    await outbox.enqueue(OutboxItem(50, MessagePayload("second"), "notice", 50), now=clock.now())

    sender = Sender(outbox, bot, rate=30, clock=clock, on_blocked=mark_inactive(db))
    await sender.run(until_idle=True)

    delivered = copies(api, NEWS.text)
    expected = set(users) - {5, 50, 120, 77}
    assert set(delivered) == expected and set(delivered.values()) == {1}  # all, exactly once
    # The notice to user 50 goes first (higher priority), meets the 403, and their
    # broadcast row is dropped without another attempt.
    progress = await outbox.broadcast_progress(bid)
    assert (progress["sent"], progress["failed"], progress["dropped"]) == (146, 3, 1)
    assert progress.done
    assert (await outbox_states(db)) == {"sent": 146, "failed": 4, "dropped": 1}
    for uid in (5, 50, 120):
        assert not (await db.get_user(uid)).active
    assert (await db.get_user(6)).active
    assert sender.stats.retry_after >= 4 and sender.stats.blocked == 3
    assert max_per_second(sent_times(api)) <= 30
    failures = dict(
        (r[0], r[1])
        for r in await query(
            db, "SELECT chat_id, last_error FROM outbox WHERE state = 'failed' ORDER BY chat_id"
        )
    )
    assert failures[77].lower() == "bad request: chat not found"
    assert failures[5].lower().startswith("forbidden: bot was blocked")


async def test_pacing_alone_causes_no_429(db, outbox, api, bot, clock) -> None:
    api.per_chat_interval = 1.0  # also enforce Telegram's 1 msg/s per chat
    await outbox.create_broadcast(NEWS, [(u, u) for u in range(1, 91)], now=clock.now())
    for n in range(3):  # three notices for one chat must be spaced, in order
        await outbox.enqueue(OutboxItem(1, MessagePayload(f"n{n}")), now=clock.now())
    sender = Sender(outbox, bot, rate=30, clock=clock)
    await sender.run(until_idle=True)
    assert [c.status for c in api.calls_to("sendMessage")].count(429) == 0
    assert [m.text for m in api.messages(1)] == ["n0", "n1", "n2", NEWS.text]
    times = [c.at for c in api.calls_to("sendMessage") if c.params["chat_id"] == 1]
    assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(times))
    assert 92 / 30 - 1e-6 <= sent_times(api)[-1] < 3.5  # 93 messages at 30/s: ~3.1 s of fake time


async def test_reminders_and_notices_go_before_broadcasts(db, outbox, api, bot, clock) -> None:
    await outbox.create_broadcast(NEWS, [(u, u) for u in range(1, 41)], now=clock.now())
    await outbox.enqueue_many(
        [OutboxItem(100 + i, MessagePayload("deadline"), "reminder") for i in range(5)],
        now=clock.now(),
    )
    await outbox.enqueue(OutboxItem(200, MessagePayload("notice")), now=clock.now())
    await Sender(outbox, bot, rate=30, clock=clock, batch_size=20).run(until_idle=True)
    order = [c.params["text"] for c in api.calls_to("sendMessage")]
    assert order[:6] == ["notice"] + ["deadline"] * 5
    assert len(order) == 46


async def test_a_notice_enqueued_mid_broadcast_jumps_the_queue(db, outbox, api, bot, clock) -> None:
    await outbox.create_broadcast(NEWS, [(u, u) for u in range(1, 201)], now=clock.now())
    sender = Sender(outbox, bot, rate=30, clock=clock, batch_size=20)
    task = sender.start()
    await eventually(lambda: api.messages_sent >= 30)
    await outbox.enqueue(OutboxItem(999, MessagePayload("urgent")), now=clock.now())
    sent_before = len(api.calls_to("sendMessage"))
    await eventually(lambda: api.last_message(999) is not None)
    position = [c.params["chat_id"] for c in api.calls_to("sendMessage")].index(999)
    assert position <= sent_before + 20  # within one claim batch, not after 170 broadcasts
    await sender.stop()
    assert task.done()


async def test_network_errors_back_off_then_succeed_or_fail(
    db, outbox, api, bot, clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.delivery.sender")
    api.fail_next("sendMessage", TIMED_OUT, chat_id=3, times=2)
    api.fail_next("sendMessage", CONNECTION_LOST, chat_id=4, times=10)
    await outbox.enqueue_many([OutboxItem(c, NEWS) for c in (1, 2, 3, 4, 5)], now=clock.now())
    sender = Sender(outbox, bot, rate=30, clock=clock, max_attempts=4, backoff_base=1.0)
    await sender.run(until_idle=True)
    assert set(copies(api, NEWS.text)) == {1, 2, 3, 5}
    rows = {
        r[0]: r[1:]
        for r in await query(
            db, "SELECT chat_id, state, attempts, last_error FROM outbox ORDER BY chat_id"
        )
    }
    assert rows[3][:2] == ("sent", 2)
    assert rows[4] == ("failed", 4, "network: gave up after 4 attempts (NetworkError)")
    tries = [c.at for c in api.calls_to("sendMessage") if c.params["chat_id"] == 4]
    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert len(tries) == 4
    # Exponential back-off: the sender asks for 1, 2, 4 s, and the tries are at least
    # that far apart (further when chat 3's errors halt the queue too; how much further
    # depends on how the fake clock's sleepers interleave with the database's own
    # waits, which on PostgreSQL are real network round trips).
    (row_4,) = [r[0] for r in await query(db, "SELECT id FROM outbox WHERE chat_id = 4")]
    asked = [
        record.getMessage().rsplit("retrying in ", 1)[1]
        for record in caplog.records
        if record.getMessage().startswith(f"outbox row {row_4}: ")
    ]
    assert asked == ["1.0 s", "2.0 s", "4.0 s"]
    assert all(gap >= 2**i - 1e-6 for i, gap in enumerate(gaps)), gaps
    assert sender.stats.network_errors == 6


async def test_timeout_after_delivery_duplicates_rather_than_loses(outbox, api, bot, clock) -> None:
    api.fail_next("sendMessage", TIMED_OUT_AFTER_DELIVERY, chat_id=1)
    await outbox.enqueue(OutboxItem(1, NEWS), now=clock.now())
    await Sender(outbox, bot, clock=clock).run(until_idle=True)
    assert copies(api, NEWS.text)[1] == 2  # at-least-once: Telegram has no idempotency key


async def test_crash_mid_broadcast_then_recovery_delivers_everything(
    db, outbox, bot, clock
) -> None:
    """Kill the sender task mid-broadcast; a new sender after recover_in_flight() finishes.

    With 50 ms of (fake) latency and 8 sends in flight, some messages were accepted
    by Telegram but never marked sent: they may arrive twice, none may be lost.
    """
    api = FakeBotAPI(clock=clock, latency=0.05)
    chats = range(1, 301)
    bid = await outbox.create_broadcast(NEWS, [(c, c) for c in chats], now=clock.now())
    async with Bot(api.token, request=api.request()) as crash_bot:
        sender = Sender(outbox, crash_bot, rate=500, clock=clock, max_in_flight=8)
        task = asyncio.create_task(sender.run())
        await eventually(lambda: api.messages_sent >= 100)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    in_flight = (await outbox.broadcast_progress(bid))["sending"]
    assert in_flight > 0  # the crash left rows in 'sending'

    recovered = await Outbox(outbox.storage).recover_in_flight()
    assert recovered == in_flight
    async with Bot(api.token, request=api.request()) as new_bot:
        await Sender(Outbox(outbox.storage), new_bot, rate=500, clock=clock).run(until_idle=True)

    delivered = copies(api, NEWS.text)
    assert set(delivered) == set(chats)  # every chat at least once
    assert max(delivered.values()) <= 2  # at most twice
    progress = await outbox.broadcast_progress(bid)
    assert progress["sent"] == 300 and progress.done


async def test_graceful_stop_finishes_in_flight_and_requeues_the_rest(db, outbox, clock) -> None:
    api = FakeBotAPI(clock=clock, latency=0.05)
    await outbox.create_broadcast(NEWS, [(c, c) for c in range(1, 201)], now=clock.now())
    async with Bot(api.token, request=api.request()) as b:
        sender = Sender(outbox, b, rate=500, clock=clock, max_in_flight=8)
        sender.start()
        await eventually(lambda: api.messages_sent >= 50)
        await sender.stop()
        states = await outbox_states(db)
        assert states["sending"] == 0
        assert states["sent"] == len(api.chats())  # everything delivered was recorded
        assert states["pending"] == 200 - states["sent"]
        await Sender(outbox, b, rate=500, clock=clock).run(until_idle=True)
    delivered = copies(api, NEWS.text)
    assert len(delivered) == 200 and set(delivered.values()) == {1}  # no duplicates


async def test_interactive_replies_are_not_delayed_by_a_broadcast(db, outbox, clock) -> None:
    """Three users press /start while a broadcast fills every second at 30/s.

    A FIFO limiter would make them wait behind the queue, and a global cap would
    make them wait for a place in the second; they go at once, and the queue gives
    way: no second that ends with a queued send holds more than 30 sends.
    """
    api = FakeBotAPI(clock=clock)
    budget = SendBudget(30, clock=clock)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Salom")

    app = limited_app(api, BudgetRateLimiter(budget))
    app.add_handler(CommandHandler("start", start))
    await outbox.create_broadcast(NEWS, [(c, c) for c in range(1, 301)], now=clock.now())
    async with app:
        sender = Sender(outbox, app.bot, budget=budget, clock=clock)
        sender.start()
        await eventually(lambda: api.messages_sent >= 60)

        async def press(user_id: int) -> float:
            began = clock.monotonic()
            await app.process_update(Update.de_json(api.text_update(user_id, "/start"), app.bot))
            return clock.monotonic() - began

        delays = await asyncio.gather(*(press(uid) for uid in (1001, 1002, 1003)))
        assert delays == [0.0, 0.0, 0.0]
        assert all(api.last_message(uid).text == "Salom" for uid in (1001, 1002, 1003))
        await eventually(lambda: sender.stats.sent >= 300)
        await sender.stop()
    accepted = sent_times(api)
    bulk = [c.at for c in api.calls_to("sendMessage") if c.params["text"] == NEWS.text]
    for end in bulk:  # the queue made room for the replies
        assert sum(1 for t in accepted if end - 1.0 + 1e-6 < t <= end) <= 30
    bulk_calls = [c for c in api.calls_to("sendMessage") if c.params["text"] == NEWS.text]
    assert len({c.params["chat_id"] for c in bulk_calls if c.status == 200}) == 300


async def test_paid_broadcast_sets_allow_paid_broadcast(outbox, api, bot, clock) -> None:
    api.rate_limit_per_second = None  # Telegram allows 1000/s for paid broadcasts
    await outbox.create_broadcast(NEWS, [(1, 1), (2, 2)], now=clock.now(), paid=True)
    await outbox.enqueue(OutboxItem(3, NEWS), now=clock.now())
    await Sender(outbox, bot, rate=1000, clock=clock).run(until_idle=True)
    flags = {
        c.params["chat_id"]: c.params.get("allow_paid_broadcast")
        for c in api.calls_to("sendMessage")
    }
    assert flags == {1: True, 2: True, 3: None}


async def test_payload_fields_reach_telegram(outbox, api, bot, clock) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Batafsil", "callback_data": "more:1"}]]}
    payload = MessagePayload("<b>Muhim</b>", parse_mode="HTML", reply_markup=keyboard)
    await outbox.enqueue(OutboxItem(1, payload, "reminder"), now=clock.now())
    await Sender(outbox, bot, clock=clock).run(until_idle=True)
    message = api.last_message(1)
    assert message.text == "Muhim" and api.buttons(message) == [("Batafsil", "more:1")]
    assert message.params["link_preview_options"] == {"is_disabled": True}


async def test_damaged_payload_fails_one_row_only(db, outbox, api, bot, clock) -> None:
    bad = await outbox.enqueue(OutboxItem(1, NEWS), now=clock.now())
    await outbox.enqueue(OutboxItem(2, NEWS), now=clock.now())
    await query(db, "UPDATE outbox SET payload = 'nonsense' WHERE id = ?", (bad,))
    await Sender(outbox, bot, clock=clock).run(until_idle=True)
    assert set(copies(api, NEWS.text)) == {2}
    assert (await outbox_states(db)) == {"failed": 1, "sent": 1}


async def test_rejected_token_stops_the_sender_and_keeps_rows(db, outbox, api, bot, clock) -> None:
    await outbox.enqueue_many([OutboxItem(c, NEWS) for c in range(1, 6)], now=clock.now())
    api.fail_next("sendMessage", ApiError(401, "Unauthorized"))
    sender = Sender(outbox, bot, clock=clock, max_in_flight=1)
    with pytest.raises(InvalidToken):
        await sender.run(until_idle=True)
    states = await outbox_states(db)
    assert states["sending"] == 0 and states["pending"] == 5


async def test_due_reminders_flow_to_telegram(db, outbox, api, bot, clock) -> None:
    now = clock.now()
    await add_users(db, range(1, 4), clock)
    for uid in (1, 2, 3):
        await db.replace_reminders(
            uid,
            [NewReminder("registration", "reg", dt.date(2025, 3, 12), now, "before", 7, "2025.1")],
            now,
        )
    api.blocked.add(2)
    due = await db.due_reminders(now, 100)
    await outbox.enqueue_reminders(
        [
            (
                r.id,
                OutboxItem(r.chat_id, MessagePayload("Ro'yxatdan o'ting"), "reminder", r.user_id),
            )
            for r in due
        ],
        now=now,
    )
    await Sender(outbox, bot, clock=clock, on_blocked=mark_inactive(db)).run(until_idle=True)
    states = {uid: [r.state for r in await db.reminders_for(uid)] for uid in (1, 2, 3)}
    assert states == {1: ["sent"], 2: ["failed"], 3: ["sent"]}
    assert not (await db.get_user(2)).active
    stats = await db.stats()
    assert (stats.reminders_sent, stats.reminders_failed) == (2, 1)


def test_blocked_constant_is_telegram_wording() -> None:
    assert BLOCKED.body() == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }


async def test_forget_discards_rows_already_held_by_the_sender(db, outbox, api, bot, clock) -> None:
    """After /forget deleted a user's rows, the sender must not send the copies it holds."""
    await add_users(db, range(1, 2), clock)
    await outbox.enqueue_many(
        [OutboxItem(1, MessagePayload(f"step {n}"), "notice", 1) for n in range(3)],
        now=clock.now(),
    )
    await outbox.create_broadcast(NEWS, [(c, None) for c in range(100, 160)], now=clock.now())
    sender = Sender(outbox, bot, rate=30, clock=clock)
    sender.start()
    await eventually(lambda: len(api.messages(1)) == 1)  # the next two wait for pacing
    assert await db.delete_user(1)
    assert sender.discard_chat(1) == 2
    assert sender.discard_chat(1) == 0
    await eventually(lambda: sender.stats.sent >= 61)
    await sender.stop()
    assert [m.text for m in api.messages(1)] == ["step 0"]
    assert (await outbox.counts())[("broadcast", "sent")] == 60
