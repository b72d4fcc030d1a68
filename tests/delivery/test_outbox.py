"""The durable queue: ordering, state transitions, recovery, progress, privacy."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.delivery import MessagePayload, Outbox, OutboxItem
from bot.delivery.outbox import OutboxStore
from bot.storage import Database, NewReminder, Storage
from bot.storage._outbox import _CLAIM_SELECT
from bot.testing import FakeClock
from tests.storage.inspect import query

TEXT = MessagePayload("Eslatma: patent to'lovi")


def item(chat_id: int, kind: str = "notice", **kwargs) -> OutboxItem:
    return OutboxItem(chat_id, kwargs.pop("payload", TEXT), kind, chat_id, **kwargs)  # type: ignore[arg-type]


async def states(db: Storage) -> dict[int, str]:
    return {row[0]: row[1] for row in await query(db, "SELECT id, state FROM outbox ORDER BY id")}


def test_outbox_satisfies_the_store_protocol(outbox: Outbox) -> None:
    store: OutboxStore = outbox  # checked by mypy; at runtime just make sure it has the methods
    for name in ("claim", "mark_sent", "mark_failed", "record_attempt", "release",
                 "drop_for_user", "drop_for_chat", "recover_in_flight", "subscribe"):  # fmt: skip
        assert callable(getattr(store, name))


async def test_claim_orders_by_priority_then_time(outbox: Outbox, clock: FakeClock) -> None:
    now = clock.now()
    await outbox.create_broadcast(TEXT, [(1, 1), (2, 2)], now=now)
    await outbox.enqueue(item(3, "reminder"), now=now)
    await outbox.enqueue(item(4, "notice"), now=now)
    await outbox.enqueue(item(5, "notice", not_before=now + dt.timedelta(minutes=5)), now=now)
    claimed = await outbox.claim(now, 10)
    assert [(r.chat_id, r.kind) for r in claimed] == [
        (4, "notice"),
        (3, "reminder"),
        (1, "broadcast"),
        (2, "broadcast"),
    ]
    assert claimed[2].payload == TEXT and claimed[2].broadcast_id is not None
    assert await outbox.claim(now, 10) == []  # claimed rows are not claimed again
    later = await outbox.claim(now + dt.timedelta(minutes=5), 10)
    assert [r.chat_id for r in later] == [5]


async def test_claim_respects_limit_and_moves_to_sending(outbox, db, clock) -> None:
    await outbox.enqueue_many([item(i) for i in range(1, 6)], now=clock.now())
    claimed = await outbox.claim(clock.now(), 2)
    assert len(claimed) == 2
    assert sorted((await states(db)).values()) == ["pending"] * 3 + ["sending"] * 2
    assert await outbox.claim(clock.now(), 0) == []


async def test_enqueue_many_is_one_fast_transaction(outbox: Outbox, clock) -> None:
    count = await outbox.enqueue_many(
        (item(i, "broadcast") for i in range(1, 5001)), now=clock.now()
    )
    assert count == 5000
    assert (await outbox.counts())[("broadcast", "pending")] == 5000
    assert await outbox.enqueue_many([], now=clock.now()) == 0


async def test_outcomes_clear_the_text(outbox: Outbox, db: Database, clock) -> None:
    ids = [await outbox.enqueue(item(i), now=clock.now()) for i in (1, 2, 3)]
    await outbox.claim(clock.now(), 3)
    assert await outbox.mark_sent(ids[0], clock.now())
    assert await outbox.mark_failed(ids[1], "bad request: chat not found")
    assert await outbox.record_attempt(ids[2], "TimedOut") == 1
    assert await outbox.record_attempt(ids[2], "TimedOut") == 2
    assert await outbox.release([ids[2]]) == 1
    assert await states(db) == {ids[0]: "sent", ids[1]: "failed", ids[2]: "pending"}
    rows = await query(
        db, "SELECT id, payload IS NULL, last_error, sent_at IS NOT NULL FROM outbox ORDER BY id"
    )
    assert rows == [
        (ids[0], 1, None, 1),
        (ids[1], 1, "bad request: chat not found", 0),
        (ids[2], 0, "TimedOut", 0),
    ]
    assert not await outbox.mark_sent(ids[0], clock.now())  # already final
    assert (await outbox.claim(clock.now(), 5))[0].attempts == 2


async def test_recover_in_flight_requeues_sending_rows(outbox: Outbox, db, clock) -> None:
    await outbox.enqueue_many([item(i) for i in (1, 2, 3)], now=clock.now())
    await outbox.claim(clock.now(), 2)
    clock.advance(60)
    await outbox.claim(clock.now(), 1)
    # With a lease, only claims older than the cutoff are taken back.
    assert (
        await outbox.recover_in_flight(claimed_before=clock.now() - dt.timedelta(seconds=30)) == 2
    )
    assert sorted((await states(db)).values()) == ["pending", "pending", "sending"]
    assert await outbox.recover_in_flight() == 1
    assert set((await states(db)).values()) == {"pending"}
    assert await outbox.recover_in_flight() == 0


async def test_drop_for_user_and_chat(outbox: Outbox, db, clock) -> None:
    a = await outbox.enqueue(item(1), now=clock.now())
    b = await outbox.enqueue(item(1, "reminder"), now=clock.now())
    c = await outbox.enqueue(item(2), now=clock.now())
    await outbox.claim(clock.now(), 1)  # a is in flight
    assert await outbox.drop_for_user(1) == 2
    assert await outbox.drop_for_chat(2) == 1
    assert await states(db) == {a: "dropped", b: "dropped", c: "dropped"}


async def test_broadcast_progress_and_cancel(outbox: Outbox, db: Database, clock) -> None:
    bid = await outbox.create_broadcast(TEXT, [(i, i) for i in range(1, 11)], now=clock.now())
    rows = await outbox.claim(clock.now(), 4)
    await outbox.mark_sent(rows[0].id, clock.now())
    await outbox.mark_failed(rows[1].id, "forbidden")
    progress = await outbox.broadcast_progress(bid)
    assert (progress["sent"], progress["failed"], progress["sending"], progress["pending"]) == (
        1,
        1,
        2,
        6,
    )
    assert progress.total == 10 and progress.remaining == 8 and not progress.done
    assert await outbox.cancel_broadcast(bid) == 6
    progress = await outbox.broadcast_progress(bid)
    assert progress["dropped"] == 6 and progress.remaining == 2
    rows = await query(
        db, "SELECT COUNT(*) FROM outbox WHERE broadcast_id = ? AND payload IS NOT NULL", (bid,)
    )
    assert rows[0][0] == 0  # the text is stored once, in broadcasts


async def test_reminders_are_queued_once_and_follow_delivery(
    outbox: Outbox, db: Database, clock
) -> None:
    now = clock.now()
    await db.upsert_user(7, 7, "uz", now)
    plan = [
        NewReminder("patent_payment", "patent_ok", dt.date(2025, 3, 8), now, "before", d, "2025.1")
        for d in (3, 2, 1)
    ]
    await db.replace_reminders(7, plan, now)
    due = await db.due_reminders(now, 10)
    await db.mark_reminder(due[2].id, "cancelled")
    pairs = [(r.id, OutboxItem(r.chat_id, TEXT, "reminder", r.user_id)) for r in due]
    assert await outbox.enqueue_reminders(pairs, now=now) == 2
    assert await outbox.enqueue_reminders(pairs, now=now) == 0  # never twice
    rows = await outbox.claim(now, 10)
    assert all(r.reminder_id is not None for r in rows)
    await outbox.mark_sent(rows[0].id, now)
    await outbox.mark_failed(rows[1].id, "forbidden: bot was blocked by the user")
    by_id = {r.id: r.state for r in await db.reminders_for(7)}
    assert by_id == {
        rows[0].reminder_id: "sent",
        rows[1].reminder_id: "failed",
        due[2].id: "cancelled",
    }
    stats = await db.stats()
    assert stats.reminders_sent == 1 and stats.reminders_failed == 1
    assert stats.outbox_by_kind_state == {("reminder", "sent"): 1, ("reminder", "failed"): 1}


async def test_prune_deletes_finished_rows_only(outbox: Outbox, db, clock) -> None:
    bid = await outbox.create_broadcast(TEXT, [(1, 1)], now=clock.now())
    keep = await outbox.enqueue(item(2), now=clock.now())
    [row] = [r for r in await outbox.claim(clock.now(), 5) if r.broadcast_id == bid]
    await outbox.mark_sent(row.id, clock.now())
    assert await outbox.prune(clock.now() + dt.timedelta(days=1)) == 1
    assert list(await states(db)) == [keep]
    assert (await query(db, "SELECT COUNT(*) FROM broadcasts"))[0][0] == 0


async def test_damaged_payload_is_returned_as_none(outbox: Outbox, db, clock) -> None:
    row_id = await outbox.enqueue(item(1), now=clock.now())
    await query(db, "UPDATE outbox SET payload = '{broken' WHERE id = ?", (row_id,))
    [row] = await outbox.claim(clock.now(), 1)
    assert row.payload is None


async def test_a_broadcast_payload_is_decoded_once(outbox: Outbox, db, clock) -> None:
    """All rows of a broadcast share one stored payload: one decoded object for all."""
    keyboard = {"inline_keyboard": [[{"text": "Ha", "callback_data": "yes"}]]}
    payload = MessagePayload("<b>Yangilik</b>", parse_mode="HTML", reply_markup=keyboard)
    await outbox.create_broadcast(payload, [(c, c) for c in range(1, 6)], now=clock.now())
    await outbox.enqueue(item(9, payload=MessagePayload("boshqa")), now=clock.now())
    rows = await outbox.claim(clock.now(), 10)
    shared = {id(r.payload) for r in rows if r.broadcast_id is not None}
    assert len(shared) == 1 and rows[-1].payload == payload
    assert {r.payload.text for r in rows if r.payload} == {"<b>Yangilik</b>", "boshqa"}
    # A damaged copy is still caught per row.
    await query(db, "UPDATE outbox SET payload = '{\"text\": 5}', state = 'pending'")
    assert [r.payload for r in await outbox.claim(clock.now(), 10)] == [None] * 6


async def test_enqueue_wakes_subscribers(outbox: Outbox, clock) -> None:
    calls = []
    outbox.subscribe(lambda: calls.append(1))
    outbox.subscribe(lambda: 1 / 0)  # a broken listener must not break enqueueing
    await outbox.enqueue(item(1), now=clock.now())
    await outbox.enqueue_many([item(2)], now=clock.now())
    assert calls == [1, 1]


def test_bad_items_are_refused() -> None:
    with pytest.raises(ValueError):
        OutboxItem("42", TEXT)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        OutboxItem(42, TEXT, "spam")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        OutboxItem(42, "text")  # type: ignore[arg-type]


async def test_claim_walks_the_due_index(db: Storage) -> None:
    if not isinstance(db, Database):
        pytest.skip("SQLite's query plan")
    async with (
        db.connection.read() as conn,
        conn.execute("EXPLAIN QUERY PLAN " + _CLAIM_SELECT, ("2025-01-01", 10)) as cur,
    ):
        plan = " | ".join(str(row[3]) for row in await cur.fetchall())
    assert "USING INDEX outbox_due" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


async def test_broadcast_to_an_audience_selects_active_users_in_sql(outbox, db, clock) -> None:
    from bot.delivery import Audience

    now = clock.now()
    people = {1: ("uz", "UZ", "legal"), 2: ("uz", "UZ", "irregular"), 3: ("ky", "KG", "legal"),
              4: ("uz", None, None), 5: ("uz", "UZ", "legal")}  # fmt: skip
    for uid, (locale, citizenship, status) in people.items():
        await db.upsert_user(uid, uid, locale, now)
        if citizenship:
            await db.save_summary(uid, citizenship, status, "v1", now)
    await db.set_active(5, False)

    async def recipients(audience: Audience) -> set[int]:
        bid = await outbox.create_broadcast(TEXT, audience, now=now)
        rows = await query(db, "SELECT user_id FROM outbox WHERE broadcast_id = ?", (bid,))
        return {row[0] for row in rows}

    assert await recipients(Audience()) == {1, 2, 3, 4}
    assert await recipients(Audience(locales={"uz"})) == {1, 2, 4}
    assert await recipients(Audience(locales={"uz"}, statuses={"legal"})) == {1}
    assert await recipients(Audience(citizenships={None})) == {4}
    assert await recipients(Audience(statuses=set())) == set()
    with pytest.raises(ValueError):
        Audience(locales="uz")  # type: ignore[arg-type]
