"""Contract: /forget, retention, aggregates."""

from __future__ import annotations

import datetime as dt

from bot.storage import NewReminder, Storage
from bot.storage.campaign_models import AudienceSpec
from bot.storage.queue_models import QueuedMessage


async def _everything_about(storage: Storage, uid: int, now: dt.datetime) -> None:
    await storage.upsert_user(uid, uid, "tg", now)
    await storage.save_interview(uid, {"citizenship": "TJ"}, "entry_date", ["citizenship"], now)
    await storage.save_summary(uid, "TJ", "legal", "1", now, deadlines=[("d", dt.date(2025, 4, 1))])
    await storage.replace_reminders(
        uid, [NewReminder("d", "o", dt.date(2025, 4, 1), now, "before", 3, "1")], now
    )
    await storage.queue.insert_one(
        QueuedMessage(uid, uid, "notice", 0, '{"text": "ҳ ҷ"}', now), now
    )
    await storage.campaigns.insert(
        state="draft",
        created_by=uid,
        admin_chat_id=uid,
        texts={"ru": "x"},
        spec=AudienceSpec(),
        send_at=None,
        awaiting=None,
        paid=False,
        now=now,
    )


async def test_forget_deletes_every_row_about_one_user(storage: Storage, now: dt.datetime) -> None:
    await _everything_about(storage, 1, now)
    await _everything_about(storage, 2, now)
    assert await storage.delete_user(1)
    assert not await storage.delete_user(1)
    assert await storage.get_user(1) is None
    assert tuple(await storage.load_interview(1)) == ({}, None, [])
    assert await storage.deadlines_of(1) == {}
    assert await storage.reminders_for(1) == []
    assert await storage.queue.states_of_chat(1) == []
    assert await storage.campaigns.draft_of(1) is None
    assert await storage.get_user(2) is not None
    assert await storage.queue.states_of_chat(2) == ["pending"]
    assert await storage.campaigns.draft_of(2) is not None
    assert await storage.count_users() == 1


async def test_retention_deletes_the_stale_in_batches(storage: Storage, now: dt.datetime) -> None:
    for n in range(6):
        await _everything_about(storage, 10 + n, now - dt.timedelta(days=300 - n))
    await _everything_about(storage, 99, now)
    cutoff = now - dt.timedelta(days=180)
    assert await storage.nth_stale_last_seen(cutoff, 0) == now - dt.timedelta(days=300)
    assert await storage.nth_stale_last_seen(cutoff, 2) == now - dt.timedelta(days=298)
    assert await storage.nth_stale_last_seen(cutoff, 6) is None
    assert await storage.purge_inactive(now - dt.timedelta(days=298)) == 2
    assert await storage.purge_inactive(cutoff) == 4
    assert await storage.count_users() == 1
    assert await storage.reminders_for(10) == [] and await storage.queue.states_of_chat(15) == []
    assert await storage.get_user(99) is not None


async def test_stats_count_by_group(storage: Storage, now: dt.datetime) -> None:
    await _everything_about(storage, 1, now)
    await storage.upsert_user(2, 2, "uz", now)
    await storage.set_active(2, False)
    stats = await storage.stats()
    assert (stats.users_total, stats.users_active) == (2, 1)
    assert stats.by_locale == {"tg": 1, "uz": 1}
    assert stats.by_citizenship == {"TJ": 1, "none": 1}
    assert stats.by_status == {"legal": 1, "none": 1}
    assert stats.reminders_by_state == {"scheduled": 1}
    assert stats.outbox_by_kind_state == {("notice", "pending"): 1}
