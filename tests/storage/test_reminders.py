"""Reminder planning rows: replace, due scan, state changes, and the due index."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage import Database, NewReminder, UnknownUserError
from bot.storage._reminders import DUE_REMINDERS_SQL

D = dt.date(2025, 4, 1)


def rem(
    deadline_id: str = "patent_payment",
    days_before: int = 3,
    remind_at: dt.datetime | None = None,
    kind: str = "before",
) -> NewReminder:
    at = remind_at or dt.datetime(2025, 3, 29, 6, 0, tzinfo=dt.UTC)
    return NewReminder(deadline_id, "patent_ok", D, at, kind, days_before, "2025.1")  # type: ignore[arg-type]


async def test_replace_keeps_history_and_skips_duplicates(db: Database, now) -> None:
    await db.upsert_user(1, 1, "uz", now)
    assert await db.replace_reminders(1, [rem(days_before=3), rem(days_before=1)], now) == 2
    first, _second = await db.reminders_for(1)
    await db.mark_reminder(first.id, "sent")

    # Re-planning: the scheduled one is replaced, the sent one is not repeated.
    inserted = await db.replace_reminders(1, [rem(days_before=3), rem("registration", 0)], now)
    assert inserted == 1
    rows = await db.reminders_for(1)
    assert sorted((r.deadline_id, r.offset_days, r.state) for r in rows) == [
        ("patent_payment", 3, "sent"),
        ("registration", 0, "scheduled"),
    ]
    assert all(r.deadline_date == D for r in rows)


async def test_due_reminders_are_ordered_limited_and_carry_user_flags(db: Database, now) -> None:
    await db.upsert_user(1, 1, "ky", now)
    await db.upsert_user(2, 2, "tg", now)
    await db.set_opt_in(1, True)
    base = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    await db.replace_reminders(1, [rem("a", 1, base + dt.timedelta(hours=3))], now)
    await db.replace_reminders(
        2,
        [rem("b", 1, base + dt.timedelta(hours=1)), rem("c", 1, base + dt.timedelta(days=30))],
        now,
    )
    due = await db.due_reminders(base + dt.timedelta(hours=5), limit=10)
    assert [(r.deadline_id, r.user_id) for r in due] == [("b", 2), ("a", 1)]
    assert due[0].locale == "tg" and not due[0].reminders_opt_in and due[0].chat_id == 2
    assert due[1].user_active and due[1].reminders_opt_in
    assert len(await db.due_reminders(base + dt.timedelta(hours=5), limit=1)) == 1

    await db.mark_reminder(due[0].id, "queued")
    assert [r.deadline_id for r in await db.due_reminders(base + dt.timedelta(days=60), 10)] == [
        "a",
        "c",
    ]


async def test_cancel_only_touches_scheduled(db: Database, now) -> None:
    await db.upsert_user(1, 1, "ru", now)
    await db.replace_reminders(1, [rem("a"), rem("b"), rem("c")], now)
    a, _, _ = await db.reminders_for(1)
    await db.mark_reminder(a.id, "sent")
    assert await db.cancel_reminders(1) == 2
    assert sorted(r.state for r in await db.reminders_for(1)) == ["cancelled", "cancelled", "sent"]
    assert await db.due_reminders(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), 10) == []


async def test_bad_reminder_input(db: Database, now) -> None:
    await db.upsert_user(1, 1, "ru", now)
    with pytest.raises(ValueError):
        await db.replace_reminders(1, [rem(kind="sometime")], now)
    with pytest.raises(ValueError):
        await db.mark_reminder(1, "lost")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await db.due_reminders(now, 0)
    with pytest.raises(UnknownUserError):
        await db.replace_reminders(99, [rem()], now)
    assert not await db.mark_reminder(12345, "sent")


async def test_due_query_walks_the_partial_index(db: Database, now) -> None:
    """The due scan must stay fast with millions of rows: assert the plan, not the time.

    A range scan of ``reminders_due`` in ``remind_at`` order, users looked up by primary
    key, and no temporary B-tree for sorting (which would mean reading every due row).
    """
    async with (
        db.connection.read() as conn,
        conn.execute("EXPLAIN QUERY PLAN " + DUE_REMINDERS_SQL, ("2025-01-01", 10)) as cur,
    ):
        plan = " | ".join(str(row[3]) for row in await cur.fetchall())
    assert "USING INDEX reminders_due (remind_at<?)" in plan, plan
    assert "INTEGER PRIMARY KEY" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
