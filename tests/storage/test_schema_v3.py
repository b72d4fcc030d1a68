"""Schema v3: opt-in by default off, stored deadlines, reminder zones, state and ruleset copies."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.delivery import Audience, Outbox
from bot.storage import MIGRATIONS, Database, NewReminder
from bot.storage._state import KEEP_SNAPSHOTS
from bot.storage.audience_sql import audience_where
from bot.storage.dialect import SQLITE


async def test_v2_file_upgrades_and_new_users_start_without_reminders(tmp_path: Path, now) -> None:
    path = tmp_path / "v2.db"
    old = await Database.open(path, migrations=MIGRATIONS[:2])
    await old.upsert_user(1, 1, "ky", now)  # opted in by the old default
    await old.save_answer(1, "citizenship", "KG", now)
    await old.close()

    db = await Database.open(path)
    try:
        assert (await db.get_user(1)).reminders_opt_in  # existing choices are kept
        assert (await db.load_interview(1)).answers == {"citizenship": "KG"}
        created = await db.upsert_user(2, 2, "tg", now)  # same connection as the migration
        assert not created.reminders_opt_in
        async with db.connection.read() as conn, conn.execute("PRAGMA integrity_check") as cur:
            assert (await cur.fetchone())[0] == "ok"
    finally:
        await db.close()
    with sqlite3.connect(path) as raw:  # another connection sees the new default too
        raw.execute(
            "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
            "VALUES (3, 3, 'ru', 'x', 'x')"
        )
        assert raw.execute("SELECT reminders_opt_in FROM users WHERE user_id = 3").fetchone() == (
            0,
        )


async def test_summary_deadlines_are_replaced_and_select_an_audience(db: Database, now) -> None:
    for uid in (1, 2, 3):
        await db.upsert_user(uid, uid, "uz", now)
    day = dt.date(2025, 3, 10)
    await db.save_summary(1, "UZ", "legal", "1.0.0", now, deadlines=[("patent_payment", day)])
    await db.save_summary(
        2, "UZ", "legal", "1.0.0", now, deadlines=[("stay_limit", day + dt.timedelta(days=30))]
    )
    await db.save_summary(3, "TJ", "legal", "1.0.0", now)  # no deadlines given: none stored
    assert await db.deadlines_of(1) == {"patent_payment": day}
    await db.save_summary(1, "UZ", "legal", "1.0.0", now, deadlines=[("registration", day)])
    assert await db.deadlines_of(1) == {"registration": day}  # replaced, not added

    audience = Audience(deadline_between=(dt.date(2025, 3, 5), dt.date(2025, 3, 12)))
    assert await db.campaigns.count_audience(audience) == 1
    where, params = audience_where(audience, SQLITE)
    async with (
        db.connection.read() as conn,
        conn.execute(f"SELECT user_id FROM users WHERE {where}", params) as cur,
    ):
        assert [row[0] for row in await cur.fetchall()] == [1]
    with pytest.raises(ValueError):
        Audience(deadline_between=(day, day - dt.timedelta(days=1)))
    with pytest.raises(ValueError):
        await db.save_summary(1, "UZ", "legal", "1.0.0", now, deadlines=[("x", "2025-03-10")])


async def test_opted_in_users_walk_by_id_and_skip_blocked(db: Database, now) -> None:
    for uid in range(1, 8):
        await db.upsert_user(uid, uid, "ru", now)
        await db.set_opt_in(uid, uid % 2 == 1)
    await db.set_active(5, False)
    first = await db.opted_in_users(-1, 2)
    second = await db.opted_in_users(first[-1].user_id, 2)
    assert [u.user_id for u in first + second] == [1, 3, 7]


async def test_reminders_keep_their_zone_and_can_be_deferred(db: Database, now) -> None:
    await db.upsert_user(1, 1, "uz", now)
    row = NewReminder(
        "registration", "reg", dt.date(2025, 3, 12), now, "before", 3, "1.0.0", "Asia/Yekaterinburg"
    )
    await db.replace_reminders(1, [row], now)
    [stored] = await db.reminders_for(1)
    assert stored.timezone == "Asia/Yekaterinburg"
    assert (await db.get_reminder(stored.id)) == stored
    later = now + dt.timedelta(hours=8)
    assert await db.defer_reminder(stored.id, later)
    assert (await db.get_reminder(stored.id)).remind_at == later
    await db.mark_reminder(stored.id, "queued")
    assert not await db.defer_reminder(stored.id, later)  # only scheduled ones move
    assert await db.get_reminder(999) is None


async def test_state_and_ruleset_copies(db: Database, now) -> None:
    assert await db.get_state("ruleset.served") is None
    await db.set_state("ruleset.served", "abc")
    await db.set_state("ruleset.served", "def")
    assert await db.get_state("ruleset.served") == "def"
    await db.set_state("ruleset.served", None)
    assert await db.get_state("ruleset.served") is None

    for n in range(KEEP_SNAPSHOTS + 2):
        await db.save_ruleset_snapshot(
            f"fp{n}", "1.0.0", {"ruleset.yaml": f"v{n}"}, now + dt.timedelta(minutes=n)
        )
    assert await db.load_ruleset_snapshot("fp0") is None  # the oldest are dropped
    assert await db.load_ruleset_snapshot(f"fp{KEEP_SNAPSHOTS + 1}") == {
        "ruleset.yaml": f"v{KEEP_SNAPSHOTS + 1}"
    }


async def test_forgetting_an_admin_keeps_their_broadcasts_anonymous(db: Database, now) -> None:
    from bot.delivery.campaigns import CampaignStore

    await db.upsert_user(77, 77, "ru", now)
    store = CampaignStore(Outbox(db))
    sent = await store.create(
        now=now, created_by=77, admin_chat_id=77, texts={"ru": "x"}, send_at=now, state="scheduled"
    )
    draft = await store.create(now=now, created_by=77, admin_chat_id=77)
    await db.save_summary(77, "UZ", "legal", "1.0.0", now, deadlines=[("registration", now.date())])
    await db.delete_user(77)
    assert await store.get(draft.id) is None
    kept = await store.get(sent.id)
    assert kept is not None and kept.created_by is None and kept.admin_chat_id is None
    assert await db.deadlines_of(77) == {}
