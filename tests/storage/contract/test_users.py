"""Contract: users, their summary and deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage import Storage
from bot.storage.models import LAST_SEEN_STEP


async def test_first_contact_creates_a_user_and_later_contacts_keep_the_chosen_locale(
    storage: Storage, now: dt.datetime
) -> None:
    assert await storage.get_user(42) is None
    created = await storage.upsert_user(42, 4200, "ky", now)
    assert (created.user_id, created.chat_id, created.locale) == (42, 4200, "ky")
    assert created.active and not created.reminders_opt_in
    assert created.created_at == created.last_seen_at == now
    later = now + dt.timedelta(hours=1)
    again = await storage.upsert_user(42, 4201, "ru", later)
    assert (again.chat_id, again.locale, again.last_seen_at) == (4201, "ky", later)
    assert again.created_at == now
    assert await storage.get_user(42) == again


async def test_locale_activity_and_opt_in_change_only_existing_users(
    storage: Storage, now: dt.datetime
) -> None:
    assert not await storage.set_locale(1, "tg")
    assert not await storage.set_active(1, False)
    assert not await storage.set_opt_in(1, True)
    await storage.upsert_user(1, 1, "ru", now)
    assert await storage.set_locale(1, "uz_Cyrl")
    assert await storage.set_active(1, False)
    assert await storage.set_opt_in(1, True)
    user = await storage.get_user(1)
    assert user is not None
    assert (user.locale, user.active, user.reminders_opt_in) == ("uz_Cyrl", False, True)


async def test_seen_keeps_last_seen_to_the_hour(storage: Storage, now: dt.datetime) -> None:
    """An update within the hour of the stored last-seen time only reads the row; an hour
    later, or from an inactive user, it records the activity (LAST_SEEN_STEP)."""
    await storage.upsert_user(6, 6, "ru", now)
    soon = now + LAST_SEEN_STEP - dt.timedelta(seconds=1)
    user = await storage.seen(6, soon)
    assert user is not None and user.last_seen_at == now and user.active
    user, _interview = await storage.seen_with_interview(6, soon)
    assert user is not None and user.last_seen_at == now
    assert (await storage.get_user(6)) == user
    hour = now + LAST_SEEN_STEP
    user, _interview = await storage.seen_with_interview(6, hour)
    assert (
        user is not None and user.last_seen_at == hour == (await storage.get_user(6)).last_seen_at
    )
    assert await storage.set_active(6, False)
    user = await storage.seen(6, hour + dt.timedelta(minutes=1))
    assert user is not None and user.active
    assert user.last_seen_at == hour + dt.timedelta(minutes=1)


async def test_seen_records_activity_and_reactivates(storage: Storage, now: dt.datetime) -> None:
    assert await storage.seen(5, now) is None
    assert await storage.get_user(5) is None  # nothing recorded for a stranger
    await storage.upsert_user(5, 5, "tg", now)
    await storage.set_active(5, False)
    later = now + dt.timedelta(days=2)
    user = await storage.seen(5, later)
    assert user is not None and user.active and user.last_seen_at == later


async def test_summary_and_deadlines_are_replaced_together(
    storage: Storage, now: dt.datetime
) -> None:
    assert not await storage.save_summary(9, "UZ", "legal", "1", now)
    await storage.upsert_user(9, 9, "uz", now)
    day = dt.date(2025, 4, 1)
    assert await storage.save_summary(
        9, "UZ", "legal", "1.2.0", now, deadlines=[("patent_payment", day)]
    )
    user = await storage.get_user(9)
    assert user is not None
    assert (user.citizenship, user.status, user.ruleset_version, user.assessed_at) == (
        "UZ",
        "legal",
        "1.2.0",
        now,
    )
    assert await storage.deadlines_of(9) == {"patent_payment": day}
    await storage.save_summary(9, "UZ", "irregular", "1.2.0", now)  # no deadlines: kept
    assert await storage.deadlines_of(9) == {"patent_payment": day}
    await storage.save_summary(9, "UZ", "irregular", "1.2.0", now, deadlines=[])
    assert await storage.deadlines_of(9) == {}
    with pytest.raises(ValueError):
        await storage.save_summary(9, "UZ", "legal", "1", now, deadlines=[("x", "2025-01-01")])  # type: ignore[list-item]


async def test_opted_in_users_walk_by_id_and_skip_the_inactive(
    storage: Storage, now: dt.datetime
) -> None:
    for uid in range(1, 8):
        await storage.upsert_user(uid, uid, "ru", now)
        await storage.set_opt_in(uid, uid != 4)
    await storage.set_active(6, False)
    first = await storage.opted_in_users(0, 3)
    assert [u.user_id for u in first] == [1, 2, 3]
    rest = await storage.opted_in_users(first[-1].user_id, 10)
    assert [u.user_id for u in rest] == [5, 7]


async def test_bad_ids_are_refused_before_anything_is_stored(
    storage: Storage, now: dt.datetime
) -> None:
    with pytest.raises(ValueError):
        await storage.upsert_user(True, 1, "ru", now)
    with pytest.raises(ValueError):
        await storage.upsert_user(1, 1, "x" * 65, now)
    with pytest.raises(ValueError):
        await storage.upsert_user(1, 1, "ru", now.replace(tzinfo=None))
    assert await storage.get_user(1) is None
