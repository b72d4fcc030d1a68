"""The periodic job that turns due reminders into outbox rows, and stop() with run()."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.delivery import MessagePayload, Outbox, Sender, queue_due_reminders
from bot.storage import Database, DueReminder, NewReminder
from bot.testing import FakeBotAPI, FakeClock


def plan(day: int, deadline: str = "registration") -> NewReminder:
    at = dt.datetime(2025, 3, day, 6, tzinfo=dt.UTC)
    return NewReminder(deadline, "reg", dt.date(2025, 3, 12), at, "before", 12 - day, "v1")


def render(reminder: DueReminder) -> MessagePayload | None:
    if reminder.deadline_id == "unknown":
        return None
    if reminder.deadline_id == "broken":
        raise KeyError("missing translation")
    return MessagePayload(f"[{reminder.locale}] {reminder.deadline_id} {reminder.deadline_date}")


async def test_due_reminders_are_rendered_queued_or_cancelled(db: Database, outbox: Outbox) -> None:
    now = dt.datetime(2025, 3, 6, tzinfo=dt.UTC)
    for uid, locale in ((1, "ky"), (2, "tg"), (3, "uz"), (4, "ru")):
        await db.upsert_user(uid, uid, locale, now)
        await db.set_opt_in(uid, True)
    await db.replace_reminders(1, [plan(5), plan(9)], now)  # one due, one in the future
    await db.replace_reminders(2, [plan(5, "unknown"), plan(4, "broken")], now)
    await db.replace_reminders(3, [plan(5)], now)
    await db.set_opt_in(3, False)
    await db.replace_reminders(4, [plan(5)], now)
    await db.set_active(4, False)

    assert await queue_due_reminders(db, outbox, render, now) == 1
    assert [r.state for r in await db.reminders_for(1)] == ["queued", "scheduled"]
    assert {r.state for uid in (2, 3, 4) for r in await db.reminders_for(uid)} == {"cancelled"}
    assert await queue_due_reminders(db, outbox, render, now) == 0  # idempotent
    [row] = await outbox.claim(now, 10)
    assert row.kind == "reminder" and row.chat_id == 1
    assert row.payload.text == "[ky] registration 2025-03-12"


async def test_stop_works_for_a_caller_awaiting_run(outbox: Outbox, clock: FakeClock) -> None:
    from telegram import Bot

    api = FakeBotAPI(clock=clock)
    async with Bot(api.token, request=api.request()) as bot:
        sender = Sender(outbox, bot, clock=clock)
        runner = asyncio.create_task(sender.run())
        await asyncio.sleep(0)
        await sender.stop()
        assert runner.done() and runner.exception() is None
        # stop() right after start(), before the task ever ran, still stops it
        task = sender.start()
        await sender.stop()
        assert task.done()
        await sender.stop()  # idempotent


async def test_catch_up_sends_only_the_latest_reminder_of_a_deadline(
    db: Database, outbox: Outbox
) -> None:
    """After downtime the 7-, 3- and 1-day reminders are all due: one message, not three."""
    now = dt.datetime(2025, 3, 11, 8, tzinfo=dt.UTC)
    await db.upsert_user(1, 1, "ky", now)
    await db.set_opt_in(1, True)
    rows = [plan(5), plan(9), plan(11)]  # 7, 3 and 1 days before the 12th
    followup = NewReminder("registration", "reg", dt.date(2025, 3, 12), now, "followup", -1, "v1")
    await db.replace_reminders(1, [*rows, followup], now)
    assert await queue_due_reminders(db, outbox, render, now) == 2
    states = {(r.kind, r.offset_days): r.state for r in await db.reminders_for(1)}
    assert states == {
        ("before", 7): "cancelled",
        ("before", 3): "cancelled",
        ("before", 1): "queued",
        ("followup", -1): "queued",
    }


async def test_night_reminders_are_moved_not_sent(db: Database, outbox: Outbox) -> None:
    night = dt.datetime(2025, 3, 6, 0, tzinfo=dt.UTC)  # 03:00 in Moscow
    morning = dt.datetime(2025, 3, 6, 7, tzinfo=dt.UTC)
    await db.upsert_user(1, 1, "ky", night)
    await db.set_opt_in(1, True)
    await db.replace_reminders(1, [plan(5)], night)

    def defer(reminder: DueReminder) -> dt.datetime | None:
        return morning if reminder.remind_at < morning else None

    assert await queue_due_reminders(db, outbox, render, night, defer=defer) == 0
    [moved] = await db.reminders_for(1)
    assert moved.state == "scheduled" and moved.remind_at == morning
    assert await queue_due_reminders(db, outbox, render, morning, defer=lambda r: None) == 1
