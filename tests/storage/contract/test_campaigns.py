"""Contract: stored admin campaigns (``Storage.campaigns``)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.storage import Storage
from bot.storage.campaign_models import AudienceSpec, CampaignPart, CampaignProgress
from bot.storage.queue_models import Audience

TEXTS = {"ru": "Новости", "ky": "Жаңылыктар: ң ө ү"}


async def _draft(storage: Storage, now: dt.datetime, **changes: object):
    values: dict[str, object] = {
        "state": "draft",
        "created_by": 7,
        "admin_chat_id": 70,
        "texts": TEXTS,
        "spec": AudienceSpec(locales=("ky", "ru")),
        "send_at": None,
        "awaiting": "text:ru",
        "paid": False,
        "now": now,
    }
    values.update(changes)
    return await storage.campaigns.insert(**values)  # type: ignore[arg-type]


async def test_a_draft_is_stored_found_and_edited(storage: Storage, now: dt.datetime) -> None:
    records = storage.campaigns
    draft = await _draft(storage, now)
    assert (draft.state, draft.texts, draft.spec.locales, draft.awaiting) == (
        "draft",
        TEXTS,
        ("ky", "ru"),
        "text:ru",
    )
    assert draft.created_at == now and draft.counts["total"] == 0
    assert await records.get(draft.id) == draft
    assert await records.get(draft.id + 1000) is None
    newer = await _draft(storage, now)
    assert (await records.draft_of(7)) == newer
    assert await records.draft_of(8) is None
    send_at = now + dt.timedelta(hours=3)
    await records.update_draft(
        draft.id,
        {
            "texts": {"ru": "Другое"},
            "audience": AudienceSpec(deadline_within_days=7),
            "send_at": send_at,
            "awaiting": None,
            "paid": True,
        },
    )
    edited = await records.get(draft.id)
    assert edited is not None
    assert (edited.texts, edited.spec.deadline_within_days, edited.send_at, edited.paid) == (
        {"ru": "Другое"},
        7,
        send_at,
        True,
    )
    with pytest.raises(ValueError):
        await records.update_draft(draft.id, {"state": "done"})
    assert await records.schedule(draft.id, send_at)
    assert not await records.schedule(draft.id, send_at)
    await records.update_draft(draft.id, {"awaiting": "x"})  # no longer a draft: unchanged
    scheduled = await records.get(draft.id)
    assert scheduled is not None and scheduled.state == "scheduled" and scheduled.awaiting is None
    assert await records.recent(10) == [scheduled]  # drafts are not listed


async def test_starting_materialises_once_and_progress_counts_rows(
    storage: Storage, now: dt.datetime
) -> None:
    records = storage.campaigns
    for uid, locale in ((1, "ky"), (2, "ky"), (3, "ru")):
        await storage.upsert_user(uid, uid, locale, now)
    campaign = await _draft(storage, now, state="scheduled", send_at=now, awaiting=None)
    assert await records.due(now - dt.timedelta(seconds=1)) == []
    assert [c.id for c in await records.due(now)] == [campaign.id]
    assert await records.count_audience(Audience(locales=frozenset({"ky"}))) == 2
    parts = [
        CampaignPart('{"text": "a"}', Audience(locales=frozenset({"ky"}))),
        CampaignPart('{"text": "b"}', Audience(locales=frozenset({"ru"}))),
    ]
    assert await records.start(campaign.id, parts, priority=20, paid=False, now=now) == 3
    assert await records.start(campaign.id, parts, priority=20, paid=False, now=now) is None
    started = await records.get(campaign.id)
    assert started is not None and started.state == "sending" and started.started_at == now
    assert started.counts["total"] == 3
    assert [c.id for c in await records.in_progress()] == [campaign.id]
    rows = await storage.queue.claim(now, 10)
    assert sorted((r.chat_id, r.payload) for r in rows) == [
        (1, '{"text": "a"}'),
        (2, '{"text": "a"}'),
        (3, '{"text": "b"}'),
    ]
    by_chat = {r.chat_id: r.id for r in rows}
    await storage.queue.mark_sent(by_chat[1], now)
    await storage.queue.mark_failed(by_chat[2], "Forbidden: bot was blocked by the user")
    progress = await records.progress(campaign.id)
    assert progress == CampaignProgress(total=3, sent=1, blocked=1, pending=1)
    await storage.queue.mark_failed(by_chat[3], "BadRequest")
    progress = await records.progress(campaign.id)
    assert progress.done and progress.failed == 1
    await records.finish(campaign.id, progress, now)
    await records.mark_reported(campaign.id, now)
    done = await records.get(campaign.id)
    assert done is not None and done.state == "done" and done.reported_at == now
    assert done.counts == {"total": 3, "sent": 1, "blocked": 1, "failed": 1, "dropped": 0}


async def test_a_campaign_for_nobody_is_done_at_once(storage: Storage, now: dt.datetime) -> None:
    campaign = await _draft(storage, now, state="scheduled", send_at=now)
    parts = [CampaignPart('{"text": "a"}', Audience(locales=frozenset({"tg"})))]
    assert await storage.campaigns.start(campaign.id, parts, priority=20, paid=True, now=now) == 0
    done = await storage.campaigns.get(campaign.id)
    assert done is not None and done.state == "done" and done.finished_at == now


async def test_cancelling_drops_pending_rows_and_lists_in_order(
    storage: Storage, now: dt.datetime
) -> None:
    records = storage.campaigns
    for uid in (1, 2, 3):
        await storage.upsert_user(uid, uid, "ru", now)
    sending = await _draft(storage, now, state="scheduled", send_at=now)
    parts = [CampaignPart('{"text": "a"}', Audience())]
    await records.start(sending.id, parts, priority=20, paid=False, now=now)
    await storage.queue.claim(now, 1)  # one row is in flight: it is not dropped
    later = await _draft(storage, now, state="scheduled", send_at=now + dt.timedelta(days=2))
    sooner = await _draft(storage, now, state="scheduled", send_at=now + dt.timedelta(days=1))
    old = await _draft(storage, now, state="scheduled", send_at=now + dt.timedelta(days=3))
    assert await records.cancel(old.id, now) == 0
    assert await records.cancel(old.id, now) is None
    assert [c.id for c in await records.recent(10)] == [sending.id, sooner.id, later.id, old.id]
    assert [c.id for c in await records.recent(2)] == [sending.id, sooner.id]
    assert await records.cancel(sending.id, now) == 2
    assert (await records.progress(sending.id)).dropped == 2
    cancelled = await records.get(sending.id)
    assert cancelled is not None and cancelled.state == "cancelled"
    await records.finish(sending.id, await records.progress(sending.id), now)
    kept = await records.get(sending.id)
    assert kept is not None and kept.state == "cancelled" and kept.counts["dropped"] == 2
