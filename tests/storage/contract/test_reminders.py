"""Contract: planned reminders."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.storage import NewReminder, Storage, UnknownUserError


def plan(day: dt.date, at: dt.datetime, offset: int, kind: str = "before") -> NewReminder:
    return NewReminder(
        deadline_id="patent_payment",
        outcome_id="patent",
        deadline_date=day,
        remind_at=at,
        kind=kind,  # type: ignore[arg-type]
        offset_days=offset,
        ruleset_version="1.0.0",
        timezone="Asia/Yekaterinburg",
    )


async def test_replacing_keeps_history_and_skips_repeats(
    storage: Storage, now: dt.datetime
) -> None:
    await storage.upsert_user(1, 10, "ky", now)
    day = dt.date(2025, 3, 20)
    early, late = now + dt.timedelta(days=1), now + dt.timedelta(days=5)
    assert await storage.replace_reminders(1, [plan(day, late, 3), plan(day, early, 7)], now) == 2
    stored = await storage.reminders_for(1)
    assert [(r.offset_days, r.remind_at, r.state) for r in stored] == [
        (7, early, "scheduled"),
        (3, late, "scheduled"),
    ]
    assert stored[0].timezone == "Asia/Yekaterinburg" and stored[0].deadline_date == day
    assert await storage.mark_reminder(stored[0].id, "sent")
    # Re-planned: the sent one is history and is not planned again; the other is replaced.
    inserted = await storage.replace_reminders(1, [plan(day, early, 7), plan(day, late, 1)], now)
    assert inserted == 1
    assert [(r.offset_days, r.state) for r in await storage.reminders_for(1)] == [
        (7, "sent"),
        (1, "scheduled"),
    ]
    with pytest.raises(UnknownUserError):
        await storage.replace_reminders(404, [plan(day, early, 7)], now)


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "sometime"},
        {"deadline_date": "2025-03-20"},
        {"deadline_id": ""},
        {"offset_days": True},
        {"timezone": "x" * 200},
    ],
    ids=["kind", "deadline_date", "deadline_id", "offset_days", "timezone"],
)
async def test_a_malformed_reminder_is_refused_and_nothing_is_replaced(
    storage: Storage, now: dt.datetime, bad: dict[str, object]
) -> None:
    """Every backend refuses the same malformed rows, before touching what is stored."""
    await storage.upsert_user(1, 10, "ky", now)
    day = dt.date(2025, 3, 20)
    good = plan(day, now + dt.timedelta(days=1), 7)
    assert await storage.replace_reminders(1, [good], now) == 1
    malformed = dataclasses.replace(plan(day, now + dt.timedelta(days=2), 3), **bad)
    with pytest.raises(ValueError):
        await storage.replace_reminders(1, [good, malformed], now)
    assert [(r.offset_days, r.state) for r in await storage.reminders_for(1)] == [(7, "scheduled")]


async def test_due_reminders_come_earliest_first_with_their_user(
    storage: Storage, now: dt.datetime
) -> None:
    for uid in (1, 2):
        await storage.upsert_user(uid, uid * 100, "tg", now)
    await storage.set_opt_in(1, True)
    await storage.set_active(2, False)
    day = dt.date(2025, 3, 20)
    await storage.replace_reminders(1, [plan(day, now - dt.timedelta(hours=1), 7)], now)
    await storage.replace_reminders(2, [plan(day, now - dt.timedelta(hours=2), 7)], now)
    await storage.replace_reminders(
        1,
        [plan(day, now - dt.timedelta(hours=1), 7), plan(day, now + dt.timedelta(hours=1), 3)],
        now,
    )
    due = await storage.due_reminders(now, 10)
    assert [(r.user_id, r.chat_id, r.locale) for r in due] == [(2, 200, "tg"), (1, 100, "tg")]
    assert (due[0].user_active, due[0].reminders_opt_in) == (False, False)
    assert (due[1].user_active, due[1].reminders_opt_in) == (True, True)
    assert len(await storage.due_reminders(now, 1)) == 1
    with pytest.raises(ValueError):
        await storage.due_reminders(now, 0)


async def test_get_defer_mark_and_cancel(storage: Storage, now: dt.datetime) -> None:
    await storage.upsert_user(1, 1, "ru", now)
    day = dt.date(2025, 3, 20)
    await storage.replace_reminders(
        1, [plan(day, now, 7), plan(day, now, 0, "due"), plan(day, now, 1, "followup")], now
    )
    first, second, third = await storage.reminders_for(1)
    assert await storage.get_reminder(first.id) == first
    assert await storage.get_reminder(999_999) is None
    later = now + dt.timedelta(hours=8)
    assert await storage.defer_reminder(first.id, later)
    assert [r.id for r in await storage.due_reminders(now, 10)] == sorted([second.id, third.id])
    assert await storage.mark_reminder(second.id, "queued")
    assert not await storage.defer_reminder(second.id, later)  # only scheduled ones move
    assert await storage.cancel_reminders(1) == 2
    states = {r.id: r.state for r in await storage.reminders_for(1)}
    assert states == {first.id: "cancelled", second.id: "queued", third.id: "cancelled"}
    with pytest.raises(ValueError):
        await storage.mark_reminder(first.id, "lost")  # type: ignore[arg-type]
    assert not await storage.mark_reminder(999_999, "sent")
