"""Contract: the send queue (``Storage.queue``)."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.storage import NewReminder, Storage
from bot.storage.queue_models import Audience, QueuedMessage

PAYLOAD = '{"text": "Салом"}'


def message(chat: int, priority: int = 0, **changes: object) -> QueuedMessage:
    values: dict[str, object] = {
        "chat_id": chat,
        "user_id": chat,
        "kind": "notice",
        "priority": priority,
        "payload": PAYLOAD,
        "not_before": dt.datetime(2025, 3, 5, 11, tzinfo=dt.UTC),
    }
    values.update(changes)
    return QueuedMessage(**values)  # type: ignore[arg-type]


async def test_claims_go_by_priority_then_time_and_only_due_rows(
    storage: Storage, now: dt.datetime
) -> None:
    queue = storage.queue
    later = now + dt.timedelta(minutes=5)
    ids = [
        await queue.insert_one(message(1, 20), now),
        await queue.insert_one(message(2, 0), now),
        await queue.insert_one(message(3, 10), now),
        await queue.insert_one(message(4, 0, not_before=later), now),
    ]
    assert len(set(ids)) == 4
    claimed = await queue.claim(now, 10)
    assert [row.chat_id for row in claimed] == [2, 3, 1]
    assert claimed[0].payload == PAYLOAD and claimed[0].attempts == 0 and not claimed[0].paid
    assert await queue.claim(now, 10) == []  # claimed rows are not handed out again
    assert [row.chat_id for row in await queue.claim(later, 10)] == [4]
    assert await queue.counts() == {("notice", "sending"): 4}


async def test_concurrent_claimers_never_share_a_row(
    open_backend, storage: Storage, now: dt.datetime
) -> None:
    other = await open_backend()
    assert await storage.queue.insert_many([message(c) for c in range(1, 301)], now) == 300
    batches = await asyncio.gather(
        *[(storage if n % 2 else other).queue.claim(now, 7) for n in range(60)]
    )
    ids = [row.id for batch in batches for row in batch]
    assert len(ids) == len(set(ids)) == 300


async def test_outcomes_clear_texts_and_follow_reminders(
    storage: Storage, now: dt.datetime
) -> None:
    queue = storage.queue
    await storage.upsert_user(1, 1, "ru", now)
    day = dt.date(2025, 3, 20)
    await storage.replace_reminders(
        1,
        [NewReminder("d", "o", day, now, "before", offset, "1") for offset in (1, 2, 3)],
        now,
    )
    reminders = [r.id for r in await storage.reminders_for(1)]
    queued = await queue.queue_reminders(
        [(rid, message(1, 10, kind="reminder")) for rid in reminders], now
    )
    assert queued == 3
    assert await queue.queue_reminders([(reminders[0], message(1, 10, kind="reminder"))], now) == 0
    rows = await queue.claim(now, 10)
    assert [r.reminder_id for r in rows] == reminders
    assert await queue.mark_sent(rows[0].id, now)
    assert not await queue.mark_sent(rows[0].id, now)  # final states are final
    assert await queue.mark_failed(rows[1].id, "BadRequest")
    assert await queue.record_attempt(rows[2].id, "NetworkError") == 1
    assert await queue.record_attempt(rows[2].id, "NetworkError") == 2
    assert await queue.record_attempt(999_999, "NetworkError") == 0
    assert await queue.release([rows[2].id]) == 1
    again = await queue.claim(now, 10)
    assert [(r.id, r.attempts) for r in again] == [(rows[2].id, 2)]
    assert await queue.drop_for_user(1, "user blocked the bot") == 1
    states = {r.id: r.state for r in await storage.reminders_for(1)}
    assert [states[rid] for rid in reminders] == ["sent", "failed", "cancelled"]
    assert await queue.states_of_chat(1) == ["sent", "failed", "dropped"]
    assert await queue.counts() == {
        ("reminder", "sent"): 1,
        ("reminder", "failed"): 1,
        ("reminder", "dropped"): 1,
    }


async def test_many_marks_in_one_call(storage: Storage, now: dt.datetime) -> None:
    queue = storage.queue
    await queue.insert_many([message(c) for c in (1, 2, 3)], now)
    rows = await queue.claim(now, 10)
    assert await queue.mark_sent_many([r.id for r in rows[:2]], now) == 2
    assert await queue.mark_sent_many([], now) == 0
    assert await queue.drop_for_chat(3, "chat blocked the bot") == 1
    assert await queue.counts() == {("notice", "sent"): 2, ("notice", "dropped"): 1}


async def test_recovery_takes_back_only_expired_claims(storage: Storage, now: dt.datetime) -> None:
    queue = storage.queue
    await queue.insert_many([message(c) for c in (1, 2)], now)
    (old,) = await queue.claim(now, 1)
    (fresh,) = await queue.claim(now + dt.timedelta(minutes=2), 1)
    assert await queue.recover_in_flight(claimed_before=now + dt.timedelta(minutes=1)) == 1
    assert [r.id for r in await queue.claim(now + dt.timedelta(minutes=3), 5)] == [old.id]
    assert await queue.recover_in_flight() == 2  # at start: everything in flight
    assert fresh.id in {r.id for r in await queue.claim(now + dt.timedelta(minutes=3), 5)}


async def test_broadcasts_store_the_text_once_and_select_an_audience(
    storage: Storage, now: dt.datetime
) -> None:
    queue = storage.queue
    for uid, locale in ((1, "ru"), (2, "ky"), (3, "ky"), (4, "ky")):
        await storage.upsert_user(uid, uid * 10, locale, now)
    await storage.set_active(4, False)
    await storage.save_summary(2, "KG", "legal", "1", now, deadlines=[("d", dt.date(2025, 3, 9))])
    bid, count = await queue.create_broadcast(
        PAYLOAD,
        Audience(locales=frozenset({"ky"})),
        priority=20,
        paid=True,
        not_before=now,
        now=now,
    )
    assert count == 2
    rows = await queue.claim(now, 10)
    assert sorted(r.chat_id for r in rows) == [20, 30]
    assert all(r.payload == PAYLOAD and r.paid and r.broadcast_id == bid for r in rows)
    windowed, count = await queue.create_broadcast(
        PAYLOAD,
        Audience(deadline_between=(dt.date(2025, 3, 5), dt.date(2025, 3, 12))),
        priority=20,
        paid=False,
        not_before=now,
        now=now,
    )
    assert count == 1
    nobody, count = await queue.create_broadcast(
        PAYLOAD,
        Audience(statuses=frozenset({"irregular"})),
        priority=20,
        paid=False,
        not_before=now,
        now=now,
    )
    assert count == 0
    listed, count = await queue.create_broadcast(
        PAYLOAD, [(777, None), (778, 3)], priority=20, paid=False, not_before=now, now=now
    )
    assert count == 2
    assert await queue.broadcast_counts(bid) == {"sending": 2}
    assert await queue.cancel_broadcast(listed) == 2
    assert await queue.broadcast_counts(listed) == {"dropped": 2}
    assert await queue.broadcast_counts(windowed) == {"pending": 1}
    assert await queue.broadcast_counts(nobody) == {}


async def test_prune_deletes_only_old_final_rows(storage: Storage, now: dt.datetime) -> None:
    queue = storage.queue
    old = now - dt.timedelta(days=10)
    await queue.insert_many([message(1), message(2), message(3)], old)
    rows = await queue.claim(now, 2)
    await queue.mark_sent(rows[0].id, now)
    await queue.insert_one(message(4), now)
    (new,) = [r for r in await queue.claim(now, 5) if r.chat_id == 4]
    await queue.mark_sent(new.id, now)
    assert await queue.prune(now - dt.timedelta(days=7)) == 1
    assert await queue.states_of_chat(1) == []
    assert await queue.states_of_chat(2) == ["sending"]
    assert await queue.states_of_chat(4) == ["sent"]
