"""Campaigns: texts per locale with a Russian fallback, audiences, scheduling, progress, cancel."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.delivery import Outbox, Sender, mark_inactive
from bot.delivery.campaigns import AudienceSpec, CampaignStore
from bot.i18n import LOCALES
from bot.storage import Database
from bot.testing import FakeBotAPI, FakeClock

TODAY = dt.date(2025, 3, 5)


async def _users(db: Database, now: dt.datetime) -> None:
    people = [
        (1, "ru", "UZ", "legal"),
        (2, "ky", "KG", "irregular"),
        (3, "tg", "TJ", "irregular"),
        (4, "uz", "UZ", "action_needed"),
        (5, "uz_Cyrl", "UZ", "legal"),
        (6, "ky", "KG", "legal"),
    ]
    for uid, locale, citizenship, status in people:
        await db.upsert_user(uid, uid, locale, now)
        await db.save_summary(uid, citizenship, status, "1.0.0", now)
    await db.save_summary(
        4,
        "UZ",
        "action_needed",
        "1.0.0",
        now,
        deadlines=[("registration", TODAY + dt.timedelta(days=3))],
    )
    await db.save_summary(
        6, "KG", "legal", "1.0.0", now, deadlines=[("stay_limit", TODAY + dt.timedelta(days=40))]
    )


def test_spec_round_trips_and_toggles() -> None:
    spec = AudienceSpec(citizenships=("UZ", "TJ"), deadline_within_days=7)
    assert AudienceSpec.from_json(spec.to_json()) == spec
    assert spec.toggled("citizenships", "TJ", ["UZ", "TJ", "KG"]).citizenships == ("UZ",)
    assert spec.toggled("citizenships", "KG", ["UZ", "TJ", "KG"]).citizenships is None  # all = any
    assert AudienceSpec().toggled("locales", "ky", LOCALES).locales == ("ky",)
    with pytest.raises(ValueError):
        AudienceSpec(deadline_within_days=-1)
    with pytest.raises(ValueError):
        AudienceSpec.from_json('{"statuses": "legal"}')


async def test_count_by_locale_and_filters(db: Database, clock: FakeClock) -> None:
    await _users(db, clock.now())
    store = CampaignStore(Outbox(db))
    assert await store.count(AudienceSpec(), LOCALES, TODAY) == {
        "ru": 1,
        "ky": 2,
        "tg": 1,
        "uz": 1,
        "uz_Cyrl": 1,
    }
    assert await store.count(AudienceSpec(statuses=("irregular",)), LOCALES, TODAY) == {
        "ru": 0, "ky": 1, "tg": 1, "uz": 0, "uz_Cyrl": 0,
    }  # fmt: skip
    near = AudienceSpec(deadline_within_days=7)
    assert sum((await store.count(near, LOCALES, TODAY)).values()) == 1
    only = AudienceSpec(locales=("ky",), citizenships=("KG",))
    assert await store.count(only, LOCALES, TODAY) == {"ky": 2}


async def test_scheduled_campaign_is_sent_once_with_the_russian_fallback(
    db: Database, clock: FakeClock
) -> None:
    now = clock.now()
    await _users(db, now)
    await db.set_active(3, False)  # blocked the bot earlier: never selected
    outbox = Outbox(db)
    store = CampaignStore(outbox)
    texts = {"ru": "<b>Новости</b>", "ky": "Жаңылыктар"}
    campaign = await store.create(
        now=now, texts=texts, send_at=now + dt.timedelta(hours=1), state="scheduled"
    )
    assert campaign.missing(LOCALES) == ["tg", "uz", "uz_Cyrl"]
    assert await store.due(now) == []
    assert (
        await store.start(campaign.id, now=now, today=TODAY, all_locales=LOCALES) is None
    )  # not yet

    later = now + dt.timedelta(hours=1)
    [due] = await store.due(later)
    started = await store.start(due.id, now=later, today=TODAY, all_locales=LOCALES)
    assert started is not None and started.state == "sending" and started.counts["total"] == 5
    assert await store.start(due.id, now=later, today=TODAY, all_locales=LOCALES) is None  # once

    clock.advance(3600)
    api = FakeBotAPI(clock=clock, rate_limit_per_second=30)
    api.blocked.add(5)
    from telegram import Bot

    async with Bot(api.token, request=api.request()) as bot:
        await Sender(outbox, bot, clock=clock, on_blocked=mark_inactive(db)).run(until_idle=True)
    assert [m.text for m in api.messages(1)] == ["Новости"]  # HTML rendered by the fake
    assert [m.text for m in api.messages(2)] == ["Жаңылыктар"]
    assert [m.text for m in api.messages(4)] == ["Новости"]  # no Uzbek text: Russian
    progress = await store.progress(campaign.id)
    assert (progress.sent, progress.blocked, progress.pending) == (4, 1, 0)
    finished = await store.finish(campaign.id, progress, later)
    assert (
        finished.state == "done"
        and finished.counts["sent"] == 4
        and finished.counts["blocked"] == 1
    )


async def test_cancel_drops_pending_rows_and_drafts_need_russian(
    db: Database, clock: FakeClock
) -> None:
    now = clock.now()
    await _users(db, now)
    store = CampaignStore(Outbox(db))
    draft = await store.create(now=now, created_by=9, admin_chat_id=9)
    with pytest.raises(ValueError, match="Russian"):
        await store.schedule(draft.id, now)
    await store.update_draft(
        draft.id, texts={"ru": "x"}, audience=AudienceSpec(locales=("ru", "ky"))
    )
    scheduled = await store.schedule(draft.id, now)
    assert scheduled.state == "scheduled" and scheduled.spec.locales == ("ky", "ru")
    assert await store.update_draft(draft.id, awaiting="days") is None  # no longer a draft
    started = await store.start(draft.id, now=now, today=TODAY, all_locales=LOCALES)
    assert started.counts["total"] == 3
    cancelled, dropped = await store.cancel(draft.id, now)
    assert dropped == 3 and cancelled.state == "cancelled" and cancelled.counts["dropped"] == 3
    assert (await store.cancel(draft.id, now)) == (None, 0)
    assert [c.id for c in await store.recent()] == [draft.id]


async def test_a_campaign_for_nobody_is_done_at_once(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    store = CampaignStore(Outbox(db))
    campaign = await store.create(now=now, texts={"ru": "x"}, send_at=now, state="scheduled")
    started = await store.start(campaign.id, now=now, today=TODAY, all_locales=LOCALES)
    assert started.state == "done" and started.counts["total"] == 0
