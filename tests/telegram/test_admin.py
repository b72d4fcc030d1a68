"""Admin commands: /broadcast, /stats, /reload — admins only, aggregates only, durable."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
from pathlib import Path

import pytest

from bot.core.rules import Ruleset, load_ruleset
from bot.delivery.campaigns import CampaignStore
from bot.settings import Settings
from bot.storage import Database
from bot.telegram.background import background_hooks
from bot.telegram.services import services_of
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock
from tests.core.conftest import make_rules_dir
from tests.telegram.conftest import PATENT_ANSWERS, BotUser, close_app
from tests.telegram.helpers import answer_all, start
from tests.telegram.queue import advance_to, drain, msk, queue_of, run_tick

ADMIN = 9001


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """The ruleset folder the bot serves (and /reload reads): a copy tests may edit."""
    return make_rules_dir(tmp_path / "served")


@pytest.fixture
def settings(db_path: Path, rules_copy: Path) -> Settings:
    return Settings(
        bot_token=DEFAULT_TOKEN, db_path=db_path, rules_dir=rules_copy, admin_ids=(ADMIN,)
    )


@pytest.fixture
async def served(rules_copy: Path) -> Ruleset:
    return load_ruleset(rules_copy)


def _admin(app, api: FakeBotAPI) -> BotUser:
    return BotUser(app, api, user_id=ADMIN, language_code="en")


def _text(user: BotUser) -> str:
    return user.last().text


async def _people(db: Database, now: dt.datetime, ids, locale: str = "ru") -> None:
    for uid in ids:
        await db.upsert_user(uid, uid, locale, now)


def max_per_second(times: list[float]) -> int:
    best, start_ = 0, 0
    for end, t in enumerate(times):
        while times[start_] <= t - 1.0 + 1e-6:
            start_ += 1
        best = max(best, end - start_ + 1)
    return best


# --------------------------------------------------------------------------- access


async def test_admin_commands_look_unknown_to_everyone_else(
    make_app, api: FakeBotAPI, served: Ruleset, errors
):
    app, _db = await make_app(ruleset=served)
    user = BotUser(app, api)
    await start(user, "ru")
    await user.say("/nonsense")
    unknown = _text(user)
    for command in ("/stats", "/broadcast", "/broadcast list", "/reload", "/broadcast cancel 1"):
        await user.say(command)
        assert _text(user) == unknown, command
    await user.tap_data(user.last().message_id, "X:1:confirm:_")  # a forged admin button
    assert "устарела" in user.last_callback_answer()["text"]
    assert await CampaignStore(queue_of(app).outbox).recent() == []
    assert errors == []


@pytest.mark.parametrize("number", ["99999999999999999999999", "²", "#①"])
async def test_a_broadcast_number_no_broadcast_can_have_gets_the_usage(
    number, make_app, api: FakeBotAPI, served: Ruleset, errors
):
    """A number longer than any row id used to reach SQLite and overflow its integer;
    «²» passed ``isdigit()`` and broke ``int()``."""
    app, _db = await make_app(ruleset=served)
    admin = _admin(app, api)
    await admin.say(f"/broadcast {number}")
    assert "/broadcast" in _text(admin)  # the usage line, not "sorry, something went wrong"
    await admin.say(f"/broadcast cancel {number}")
    assert _text(admin) == "Usage: /broadcast cancel NUMBER"
    assert errors == []


async def test_stats_are_counts_only(make_app, api: FakeBotAPI, served: Ruleset, errors):
    app, db = await make_app(ruleset=served)
    for uid, locale in ((1001, "ky"), (1002, "ky"), (1003, "uz_Cyrl")):
        user = BotUser(app, api, user_id=uid)
        await start(user, locale)
        await answer_all(user, served, locale, PATENT_ANSWERS)
    await db.set_active(1003, False)
    admin = _admin(app, api)
    await admin.say("/stats")
    text = _text(admin)
    assert "Users: 3 (2 active, 1 blocked the bot)" in text
    assert "Languages: ky 2, uz_Cyrl 1" in text
    assert "Citizenship: UZ 3" in text
    assert "Status: legal 3" in text
    assert "Reminders: 0 sent, 0 failed" in text
    assert "1001" not in text and "1002" not in text
    assert errors == []


# --------------------------------------------------------------------------- /broadcast


async def test_broadcast_written_in_telegram_survives_a_restart_and_is_sent_on_time(
    make_app, api: FakeBotAPI, clock: FakeClock, served: Ruleset, errors
):
    app, db = await make_app(ruleset=served)
    people = {1001: "ru", 1002: "ky", 1003: "tg"}
    for uid, locale in people.items():
        await start(BotUser(app, api, user_id=uid), locale)
    admin = _admin(app, api)

    await admin.say("/broadcast")
    assert "send the text for ru" in _text(admin)
    await admin.say("Важно: новые правила с 1 апреля")
    assert "send the text for ky" in _text(admin)
    await admin.say("Маанилүү: 1-апрелден жаңы эрежелер")
    for _skip in ("tg", "uz", "uz_Cyrl"):
        await admin.tap("Skip this language")
    panel = _text(admin)
    assert "Texts: ru, ky" in panel
    assert "No own text for tg, uz, uz_Cyrl: they get the Russian text." in panel
    assert "Recipients now: 3 (ru 1, ky 1, tg 1, uz 0, uz_Cyrl 0)" in panel

    await admin.tap("When…")
    await admin.say("31.02.2025 10:00")  # a malformed date gets the reason, not a crash
    assert "there is no such day" in _text(admin)
    await admin.say("6 марта 2025")
    assert "give the hour too" in _text(admin)
    await admin.say("06.03.2025 10:00")
    assert "When: 06.03.2025 10:00 MSK" in _text(admin)

    await admin.tap("Preview")
    shown = [m.text for m in admin.messages()[-6:]]
    assert "— ru: 1 recipients —" in shown and "Важно: новые правила с 1 апреля" in shown
    assert "— ky: 1 recipients —" in shown
    await admin.tap("Schedule for 06.03.2025 10:00 MSK")
    assert "scheduled for 06.03.2025 10:00 MSK" in _text(admin)
    await admin.say("/broadcast list")
    assert "#1 scheduled at 06.03.2025 10:00 MSK" in _text(admin)

    await close_app(app, db)  # a restart: nothing is kept in memory
    app, db = await make_app(ruleset=served)
    admin = _admin(app, api)
    advance_to(clock, msk(2025, 3, 6, 9, 59))
    await run_tick(app)
    await drain(app)
    assert api.messages(1001)[-1].text != "Важно: новые правила с 1 апреля"
    advance_to(clock, msk(2025, 3, 6, 10, 0))
    await run_tick(app)
    await drain(app)
    assert api.messages(1001)[-1].text == "Важно: новые правила с 1 апреля"
    assert api.messages(1002)[-1].text == "Маанилүү: 1-апрелден жаңы эрежелер"
    assert api.messages(1003)[-1].text == "Важно: новые правила с 1 апреля"  # Russian fallback
    assert "Broadcast #1 started: 3 recipients." in _text(admin)
    await run_tick(app)
    await drain(app)
    assert "Finished. Broadcast #1: 3 of 3 done — sent 3, blocked 0, failed 0" in _text(admin)
    await admin.say("/broadcast list")
    assert "#1 done started 06.03.2025 10:00 MSK" in _text(admin)
    assert errors == []


async def test_audience_filters_and_cancel(
    make_app, api: FakeBotAPI, clock: FakeClock, served: Ruleset, errors
):
    app, db = await make_app(ruleset=served)
    now = clock.now()
    await _people(db, now, range(1, 6), "uz")
    await db.save_summary(1, "UZ", "irregular", "1.0.0", now)
    await db.save_summary(
        2, "TJ", "irregular", "1.0.0", now, deadlines=[("registration", dt.date(2025, 3, 8))]
    )
    await db.save_summary(
        3, "UZ", "legal", "1.0.0", now, deadlines=[("registration", dt.date(2025, 3, 8))]
    )
    admin = _admin(app, api)
    await admin.say("/broadcast")
    await admin.say("Внимание")
    await admin.tap("◀️ Back to the draft")
    await admin.tap("Status")
    await admin.tap("irregular")
    assert "Status of broadcast #1: irregular" in _text(admin)
    await admin.tap("Back")
    assert "Recipients now: 2" in _text(admin)
    await admin.tap("Deadline within…")
    await admin.say("soon")
    assert "Write a number of days from 0 to 366, or off." in _text(admin)
    await admin.say("7")
    panel = _text(admin)
    assert "Audience: status: irregular; a deadline within 7 days" in panel
    assert "Recipients now: 1" in panel

    await admin.tap("Preview")
    await admin.tap("Send now")
    assert "sending to 1 users" in _text(admin)
    await admin.tap("Cancel #1")
    assert "Broadcast #1 cancelled. 1 messages not yet sent were dropped." in _text(admin)
    await drain(app)
    assert api.messages(2) == []
    assert errors == []


async def test_a_broadcast_at_30_per_second_with_429_and_403_loses_nothing(
    make_app, api: FakeBotAPI, clock: FakeClock, served: Ruleset, errors
):
    app, db = await make_app(ruleset=served)
    await _people(db, clock.now(), range(1, 121))
    api.rate_limit_per_second = 30
    api.flood_every, api.retry_after = 25, 2  # extra 429s on top of the 30/s window
    api.blocked.update({5, 60, 119})
    admin = _admin(app, api)
    await admin.say("/broadcast")
    await admin.say("Новости")
    for _skip in ("ky", "tg", "uz", "uz_Cyrl"):
        await admin.tap("Skip this language")
    await admin.tap("Preview")
    await admin.tap("Send now")
    assert "sending to 120 users" in _text(admin)

    sender = await drain(app)
    news = collections.Counter(
        chat for chat in range(1, 121) for m in api.messages(chat) if m.text == "Новости"
    )
    assert set(news) == set(range(1, 121)) - {5, 60, 119} and set(news.values()) == {1}
    assert sender.stats.retry_after >= 3 and sender.stats.blocked == 3
    accepted = [c.at for c in api.calls_to("sendMessage") if c.status == 200]
    assert max_per_second(accepted) <= 30
    for uid in (5, 60, 119):
        assert not (await db.get_user(uid)).active

    await run_tick(app)
    await drain(app)
    assert "Finished. Broadcast #1: 120 of 120 done — sent 117, blocked 3, failed 0" in _text(admin)
    await admin.say("/broadcast")  # the next broadcast skips the blocked users
    await admin.say("Ещё новости")
    await admin.tap("◀️ Back to the draft")
    assert "Recipients now: 117" in _text(admin)
    assert errors == []


async def test_a_queue_killed_mid_broadcast_delivers_everything_after_restart(
    make_app, settings: Settings, clock: FakeClock, served: Ruleset, errors
):
    """Crash (the sender task is cancelled, nothing is recorded) and start again with the
    running bot's hooks: every chat gets the message, at most twice (at-least-once)."""
    api = FakeBotAPI(clock=clock, latency=0.05)
    database = await Database.open(settings.db_path)
    await _people(database, clock.now(), range(1, 301))
    await database.close()

    from bot.telegram.app import build_application, startup

    async def running_app():
        db = await Database.open(settings.db_path)
        start_hooks, stop_hooks = background_hooks(tick_seconds=3600)
        app = build_application(
            settings, storage=db, ruleset=served, clock=clock,
            request=api.request(), get_updates_request=api.request(),
            on_startup=start_hooks, on_shutdown=stop_hooks, send_rate=500,
        )  # fmt: skip
        await app.initialize()
        await startup(app)
        return app, db

    app, db = await running_app()
    admin = _admin(app, api)
    await admin.say("/broadcast")
    await admin.say("Срочно")
    await admin.tap("◀️ Back to the draft")
    await admin.tap("Preview")
    await admin.tap("Send now")

    def delivered() -> collections.Counter[int]:
        return collections.Counter(
            chat for chat in range(1, 301) for m in api.messages(chat) if m.text == "Срочно"
        )

    for _ in range(200_000):
        if len(delivered()) >= 100:
            break
        await asyncio.sleep(0)
    sender = services_of(app).sender
    assert sender is not None and sender._task is not None
    sender._task.cancel()  # the crash: in-flight rows stay 'sending'
    await asyncio.sleep(0)
    store = CampaignStore(services_of(app).outbox)
    assert (await store.progress(1)).pending > 0
    services_of(app).sender = None
    app.bot_data.pop("hamroh.background", None)
    await app.shutdown()
    await db.close()

    app, db = await running_app()  # recover_in_flight, then a new sender
    store = CampaignStore(services_of(app).outbox)
    for _ in range(400_000):
        if (await store.progress(1)).done:
            break
        await asyncio.sleep(0)
    counts = delivered()
    assert set(counts) == set(range(1, 301))  # nobody lost
    assert max(counts.values()) <= 2  # duplicates bounded: at most one extra per chat
    from bot.telegram.app import shutdown

    await shutdown(app)  # the graceful stop: hooks first, then the database
    await close_app(app, db)
    assert errors == []


async def _scheduled_draft(app, api: FakeBotAPI, text: str, when: str) -> BotUser:
    """One person started; the admin writes ``text`` in Russian only, skips the other
    languages and types ``when`` as its time: the next tap is "Preview"."""
    await start(BotUser(app, api, user_id=1001), "ru")
    admin = _admin(app, api)
    await admin.say("/broadcast")
    await admin.say(text)
    for _skip in ("ky", "tg", "uz", "uz_Cyrl"):
        await admin.tap("Skip this language")
    await admin.tap("When…")
    await admin.say(when)
    return admin


async def test_a_broadcast_due_while_the_bot_was_down_tells_the_admin_it_is_late(
    make_app, api: FakeBotAPI, clock: FakeClock, served: Ruleset, errors
):
    """Scheduled for 10:00 Moscow time; the bot is down from 09:00 to 23:30. It starts at
    once when the bot is back (scheduled broadcasts survive restarts), and the admin learns
    it is late and lands at night, with the command that stops it."""
    app, db = await make_app(ruleset=served)
    admin = await _scheduled_draft(app, api, "Завтра консульство не работает", "06.03.2025 10:00")
    await admin.tap("Preview")
    await admin.tap("Schedule for 06.03.2025 10:00 MSK")
    advance_to(clock, msk(2025, 3, 6, 9, 0))
    await close_app(app, db)

    advance_to(clock, msk(2025, 3, 6, 23, 30))
    app, db = await make_app(ruleset=served)
    admin = _admin(app, api)
    await run_tick(app)
    await drain(app)
    assert api.messages(1001)[-1].text == "Завтра консульство не работает"
    assert any(
        m.text
        == "Broadcast #1 started: 1 recipients. It was scheduled for 06.03.2025 10:00 MSK and "
        "starts 13 h 30 min late: the bot was not running then. Note: 23:30 is night in "
        "Moscow; most people will get it while asleep. /broadcast cancel 1 stops it."
        for m in admin.messages()
    )
    assert errors == []


async def test_a_broadcast_started_on_time_says_only_how_many(
    make_app, api: FakeBotAPI, clock: FakeClock, served: Ruleset, errors
):
    app, _db = await make_app(ruleset=served)
    admin = await _scheduled_draft(app, api, "Новости", "06.03.2025 10:00")
    await admin.tap("Preview")
    await admin.tap("Schedule for 06.03.2025 10:00 MSK")
    advance_to(clock, msk(2025, 3, 6, 10, 1))
    await run_tick(app)
    await drain(app)
    assert "Broadcast #1 started: 1 recipients." in [m.text for m in admin.messages()]
    assert errors == []


async def test_a_draft_whose_time_passed_before_the_preview_offers_to_send_now(
    make_app, api: FakeBotAPI, clock: FakeClock, served: Ruleset, errors
):
    """Not "Schedule for" a time gone by: the admin is told it goes out at once."""
    app, _db = await make_app(ruleset=served)
    admin = await _scheduled_draft(app, api, "Новости", "05.03.2025 13:00")
    advance_to(clock, msk(2025, 3, 5, 14, 0))  # the admin came back an hour later
    await admin.tap("Preview")
    panel = admin.last_with_buttons()
    assert "05.03.2025 13:00 MSK has passed: it goes out at once." in panel.text
    assert next(text for text, _data in panel.buttons()) == "✅ Send now"
    await admin.tap("Send now")
    assert "sending to 1 users" in _text(admin)
    assert errors == []


async def test_a_long_broadcast_with_links_is_measured_as_telegram_measures_it(
    make_app, api: FakeBotAPI, served: Ruleset, errors
):
    """Telegram's limit is 4,096 characters *after* the formatting is parsed: an admin's
    message of 4,000 characters with two links is a valid broadcast, though its HTML is
    longer than 4,096."""
    app, _db = await make_app(ruleset=served)
    await start(BotUser(app, api, user_id=1001), "ru")
    admin = _admin(app, api)
    await admin.say("/broadcast")
    body = "Адрес: МВД. " + "Новые правила для патентов. " * 142
    update = api.text_update(ADMIN, body, language_code="en")
    url = "https://xn--b1aew.xn--p1ai/dejatelnost/emigration/" + "a" * 60
    update["message"]["entities"] = [
        {"type": "text_link", "offset": 7, "length": 3, "url": url},
        {"type": "text_link", "offset": 12, "length": 5, "url": url},
    ]
    assert len(body) <= 4096 < len(body) + 2 * len(f'<a href="{url}"></a>')
    await admin.feed(update)
    assert "Saved the ru text." in _text(admin)
    for _skip in ("ky", "tg", "uz", "uz_Cyrl"):
        await admin.tap("Skip this language")
    await admin.tap("Preview")
    await admin.tap("Send now")
    await drain(app)
    assert api.messages(1001)[-1].text == body
    assert errors == []
