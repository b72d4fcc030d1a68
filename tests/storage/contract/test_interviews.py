"""Contract: questionnaire answers and the interview pointer."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage import Storage, UnknownUserError


async def test_a_new_user_has_an_empty_interview(storage: Storage, now: dt.datetime) -> None:
    await storage.upsert_user(1, 1, "ru", now)
    assert tuple(await storage.load_interview(1)) == ({}, None, [])


async def test_answers_are_stored_overwritten_and_replaced_as_a_whole(
    storage: Storage, now: dt.datetime
) -> None:
    await storage.upsert_user(1, 1, "ru", now)
    await storage.save_answer(1, "citizenship", "UZ", now)
    await storage.save_answer(1, "citizenship", "TJ", now)
    await storage.save_answer(1, "entry_date", "2025-01-10", now)
    answers, pending, history = await storage.load_interview(1)
    assert answers == {"citizenship": "TJ", "entry_date": "2025-01-10"}
    assert (pending, history) == (None, [])

    await storage.save_interview(1, {"citizenship": "KG"}, "in_russia", ["citizenship"], now)
    assert tuple(await storage.load_interview(1)) == (
        {"citizenship": "KG"},
        "in_russia",
        ["citizenship"],
    )
    await storage.save_interview(1, {}, None, [], now)
    assert tuple(await storage.load_interview(1)) == ({}, None, [])


async def test_clearing_answers_keeps_the_user(storage: Storage, now: dt.datetime) -> None:
    await storage.upsert_user(1, 1, "ru", now)
    await storage.save_interview(1, {"a": "b"}, "c", ["a"], now)
    await storage.clear_answers(1)
    assert tuple(await storage.load_interview(1)) == ({}, None, [])
    assert await storage.get_user(1) is not None


async def test_answers_of_unknown_users_and_free_text_are_refused(
    storage: Storage, now: dt.datetime
) -> None:
    with pytest.raises(UnknownUserError):
        await storage.save_answer(404, "citizenship", "UZ", now)
    with pytest.raises(UnknownUserError):
        await storage.save_interview(404, {"citizenship": "UZ"}, None, [], now)
    await storage.upsert_user(1, 1, "ru", now)
    with pytest.raises(ValueError):
        await storage.save_answer(1, "citizenship", "x" * 201, now)
    with pytest.raises(ValueError):
        await storage.save_interview(1, {"q": "v"}, None, [""], now)
    assert tuple(await storage.load_interview(1)) == ({}, None, [])


async def test_seen_with_interview_is_seen_then_load_interview(
    storage: Storage, now: dt.datetime
) -> None:
    """What an update opens with: the activity recorded, the user and their interview."""
    assert await storage.seen_with_interview(3, now) == (None, ({}, None, []))
    assert await storage.get_user(3) is None  # nothing recorded for a stranger
    await storage.upsert_user(3, 3, "ky", now)
    await storage.set_active(3, False)
    later = now + dt.timedelta(hours=5)
    user, interview = await storage.seen_with_interview(3, later)
    assert user is not None and user.active and user.last_seen_at == later
    assert user == await storage.get_user(3)
    assert tuple(interview) == ({}, None, [])
    await storage.save_interview(3, {"citizenship": "KG", "in_russia": "yes"}, "in_russia",
                                 ["citizenship", "in_russia"], later)  # fmt: skip
    _user, interview = await storage.seen_with_interview(3, later)
    assert interview == await storage.load_interview(3)
    assert tuple(interview) == (
        {"citizenship": "KG", "in_russia": "yes"},
        "in_russia",
        ["citizenship", "in_russia"],
    )
