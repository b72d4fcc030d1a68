"""Users and questionnaire state."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage import Database, Storage, UnknownUserError


def test_database_implements_the_storage_protocol(db: Database) -> None:
    storage: Storage = db  # mypy checks the structure; this checks it at run time
    assert isinstance(storage, Storage)


async def test_upsert_creates_then_refreshes_without_overwriting_locale(db: Database, now) -> None:
    created = await db.upsert_user(42, 42, "ky", now)
    assert created.locale == "ky" and created.active
    assert not created.reminders_opt_in  # reminders are opt-in (schema v3)
    assert created.created_at == created.last_seen_at == now

    await db.set_locale(42, "uz_Cyrl")
    await db.set_active(42, False)
    later = now + dt.timedelta(days=3)
    again = await db.upsert_user(42, 4242, "ru", later)  # Telegram's guess must not win
    assert again.locale == "uz_Cyrl"
    assert again.chat_id == 4242
    assert again.active  # writing to us means they unblocked the bot
    assert again.created_at == now and again.last_seen_at == later


async def test_user_setters_report_missing_users(db: Database, now) -> None:
    assert await db.get_user(1) is None
    assert not await db.set_locale(1, "ru")
    assert await db.seen(1, now) is None
    assert not await db.set_active(1, False)
    assert not await db.set_opt_in(1, False)
    assert not await db.save_summary(1, "UZ", "legal", "2025.1", now)


async def test_seen_opt_in_and_summary(db: Database, now) -> None:
    await db.upsert_user(5, 5, "tg", now)
    await db.set_active(5, False)
    assert await db.seen(5, now + dt.timedelta(hours=1)) is not None
    assert await db.set_opt_in(5, False)
    assert await db.save_summary(5, "TJ", "action_needed", "2025.1", now)
    user = await db.get_user(5)
    assert user is not None
    assert user.active and not user.reminders_opt_in
    assert user.last_seen_at == now + dt.timedelta(hours=1)
    assert (user.citizenship, user.status, user.ruleset_version) == (
        "TJ",
        "action_needed",
        "2025.1",
    )
    assert user.assessed_at == now
    assert await db.save_summary(5, None, None, None, None)
    cleared = await db.get_user(5)
    assert cleared is not None and cleared.status is None and cleared.assessed_at is None


async def test_seen_records_activity_and_returns_the_user_in_one_step(db: Database, now) -> None:
    assert await db.seen(9, now) is None  # a stranger: nothing is created
    assert await db.get_user(9) is None
    await db.upsert_user(9, 90, "ky", now)
    await db.set_active(9, False)  # the sender saw "blocked"
    later = now + dt.timedelta(days=3)
    user = await db.seen(9, later)
    assert user is not None
    assert (user.chat_id, user.locale, user.active, user.last_seen_at) == (90, "ky", True, later)
    assert await db.get_user(9) == user


async def test_interview_roundtrip(db: Database, now) -> None:
    await db.upsert_user(9, 9, "ru", now)
    assert await db.load_interview(9) == ({}, None, [])

    await db.save_answer(9, "citizenship", "UZ", now)
    await db.save_answer(9, "citizenship", "KG", now)  # overwrite
    answers, pending, history = await db.load_interview(9)
    assert answers == {"citizenship": "KG"} and pending is None and history == []

    await db.save_interview(
        9,
        {"citizenship": "KG", "in_russia": "yes", "entry_date": "2025-01-10"},
        "purpose",
        ["citizenship", "in_russia", "entry_date"],
        now,
    )
    interview = await db.load_interview(9)
    assert interview.answers == {
        "citizenship": "KG",
        "in_russia": "yes",
        "entry_date": "2025-01-10",
    }
    assert interview.pending_question == "purpose"
    assert interview.history == ["citizenship", "in_russia", "entry_date"]

    # Going back drops answers that are no longer on the path.
    await db.save_interview(9, {"citizenship": "KG"}, "in_russia", ["citizenship"], now)
    assert (await db.load_interview(9)).answers == {"citizenship": "KG"}

    await db.clear_answers(9)
    assert await db.load_interview(9) == ({}, None, [])
    assert await db.get_user(9) is not None


async def test_save_interview_is_atomic(db: Database, now) -> None:
    await db.upsert_user(3, 3, "ru", now)
    await db.save_interview(3, {"citizenship": "UZ"}, "in_russia", ["citizenship"], now)
    with pytest.raises(ValueError):
        await db.save_interview(3, {"citizenship": "TJ", "x": "y" * 10_000}, None, [], now)
    assert await db.load_interview(3) == ({"citizenship": "UZ"}, "in_russia", ["citizenship"])


async def test_writes_for_unknown_users_raise_a_clear_error(db: Database, now) -> None:
    with pytest.raises(UnknownUserError):
        await db.save_answer(404, "citizenship", "UZ", now)
    with pytest.raises(UnknownUserError):
        await db.save_interview(404, {}, None, [], now)


@pytest.mark.parametrize(
    ("question_id", "value"),
    [("", "x"), ("q" * 65, "x"), ("q", "v" * 201), ("q", 5), (None, "x")],
)
async def test_bad_answer_input_is_rejected(db: Database, now, question_id, value) -> None:
    await db.upsert_user(1, 1, "ru", now)
    with pytest.raises(ValueError):
        await db.save_answer(1, question_id, value, now)
    assert await db.load_interview(1) == ({}, None, [])


async def test_naive_timestamps_are_refused(db: Database) -> None:
    with pytest.raises(ValueError):
        await db.upsert_user(1, 1, "ru", dt.datetime(2025, 1, 1))


async def test_damaged_history_reads_as_empty(db: Database, now) -> None:
    await db.upsert_user(2, 2, "ru", now)
    await db.save_interview(2, {"citizenship": "UZ"}, "in_russia", ["citizenship"], now)
    async with db.connection.transaction() as conn:
        await conn.execute("UPDATE interviews SET history = '{not json' WHERE user_id = 2")
    assert await db.load_interview(2) == ({"citizenship": "UZ"}, "in_russia", [])


async def test_concurrent_writers_do_not_interleave(db: Database, now) -> None:
    import asyncio

    await asyncio.gather(*(db.upsert_user(i, i, "ru", now) for i in range(50)))
    await asyncio.gather(
        *(
            db.save_interview(i, {"citizenship": "UZ", "n": str(i)}, None, ["citizenship"], now)
            for i in range(50)
        )
    )
    for i in range(50):
        assert (await db.load_interview(i)).answers == {"citizenship": "UZ", "n": str(i)}
