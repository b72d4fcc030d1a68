"""Deadline reminders end to end: real application, real SQLite, fake Bot API, fake clock.

The fixture patent worker (answers on 5 March 2025, region "other" → Moscow time) has
a patent paid until 30 June 2025 (reminders 7, 3, 1 and 0 days before) and a contract
copy due 31 March 2025 (7 days before). Every reminder is planned at 10:00 Moscow time.
"""

from __future__ import annotations

import datetime as dt

from bot.app.reminders import next_daytime, zone_of
from bot.core.rules import Ruleset
from bot.core.rules.present import format_day
from bot.storage import NewReminder
from bot.testing import FakeBotAPI, FakeClock
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer_all, start
from tests.telegram.queue import MSK, advance_to, drain, msk, run_tick


def _tr(app, locale="ru"):
    return app.bot_data["hamroh"].catalogs.gettext(locale)


async def _opted_in_patent_worker(make_app, api: FakeBotAPI, ruleset: Ruleset, locale: str = "ru"):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, locale)
    await answer_all(user, ruleset, locale, PATENT_ANSWERS)
    await user.tap(_tr(app, locale)("Remind me"))
    return app, db, user


def _scheduled(reminders) -> list[tuple[str, str, int, dt.datetime]]:
    return [
        (r.deadline_id, r.kind, r.offset_days, r.remind_at.astimezone(MSK))
        for r in reminders
        if r.state == "scheduled"
    ]


def _sent_at(message) -> dt.datetime:
    return dt.datetime.fromtimestamp(message.date, MSK)


async def test_opting_in_plans_every_reminder_at_ten_in_the_morning(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    _app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    assert _scheduled(await db.reminders_for(user.user_id)) == [
        ("contract_copy", "before", 7, msk(2025, 3, 24, 10)),
        ("contract_copy", "due", 0, msk(2025, 3, 31, 10)),
        ("patent_payment", "before", 7, msk(2025, 6, 23, 10)),
        ("patent_payment", "before", 3, msk(2025, 6, 27, 10)),
        ("patent_payment", "before", 1, msk(2025, 6, 29, 10)),
        ("patent_payment", "due", 0, msk(2025, 6, 30, 10)),
    ]  # and nothing after a deadline
    assert all(r.timezone == "Europe/Moscow" for r in await db.reminders_for(user.user_id))
    assert errors == []


async def test_reminders_arrive_on_the_day_at_the_hour_in_the_current_language(
    make_app, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    seen = len(user.messages())

    advance_to(clock, msk(2025, 3, 24, 9, 59))
    await run_tick(app)
    await drain(app)
    assert len(user.messages()) == seen  # not a minute early

    await user.say("/language")
    await user.tap("Кыргызча")  # the reminder is worded when sent, in today's language
    seen = len(user.messages())
    advance_to(clock, msk(2025, 3, 24, 10, 0))
    await run_tick(app)
    await drain(app)
    [reminder] = user.messages()[seen:]
    label = fixture_ruleset.header.deadlines["contract_copy"].label.get("ky")
    assert reminder.text.startswith("🔔 " + label)
    assert f"Калган күндөр: 7. Мөөнөт: {format_day(dt.date(2025, 3, 31), 'ky')}" in reminder.text
    assert _sent_at(reminder).date() == dt.date(2025, 3, 24)
    assert _sent_at(reminder).hour == 10
    states = {(r.deadline_id, r.offset_days): r.state for r in await db.reminders_for(user.user_id)}
    assert states[("contract_copy", 7)] == "sent"

    await run_tick(app)
    await drain(app)
    assert len(user.messages()) == seen + 1  # sent once
    stats = await db.stats()
    assert (stats.reminders_sent, stats.reminders_failed) == (1, 0)
    assert errors == []


async def test_changing_an_answer_moves_the_reminders(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    _app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    await user.say("/answers")
    await user.tap("Патент оплачен до")
    await user.say("31.07.2025")
    payment = [
        (kind, offset, at)
        for deadline, kind, offset, at in _scheduled(await db.reminders_for(user.user_id))
        if deadline == "patent_payment"
    ]
    assert payment == [
        ("before", 7, msk(2025, 7, 24, 10)),
        ("before", 3, msk(2025, 7, 28, 10)),
        ("before", 1, msk(2025, 7, 30, 10)),
        ("due", 0, msk(2025, 7, 31, 10)),
    ]
    assert await db.deadlines_of(user.user_id) == {
        "contract_copy": dt.date(2025, 3, 31),
        "patent_payment": dt.date(2025, 7, 31),
        "patent_reissue": dt.date(2026, 1, 16),
    }
    assert errors == []


async def test_i_have_paid_from_the_reminder_moves_the_next_payment_reminders(
    make_app, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    _ = _tr(app)
    advance_to(clock, msk(2025, 6, 23, 10))
    await run_tick(app)
    await drain(app)
    reminder = user.last()
    assert f"Осталось дней: 7. Срок: {format_day(dt.date(2025, 6, 30), 'ru')}" in reminder.text
    assert _("Paid already? Tap the button and tell me the new date.") in reminder.text

    await user.tap(_("I have paid"), reminder)
    question = user.last()
    assert _("Tell me the new date, and I will move your reminders.") in question.text
    assert fixture_ruleset.question("patent_paid_until").text.get("ru") in question.text
    await user.say("30 июля 2025")  # any date form the questionnaire understands

    assert (await db.load_interview(user.user_id)).answers["patent_paid_until"] == "2025-07-30"
    payment = {
        (r.offset_days, r.deadline_date, r.state)
        for r in await db.reminders_for(user.user_id)
        if r.deadline_id == "patent_payment"
    }
    assert (7, dt.date(2025, 6, 30), "sent") in payment  # history stays
    assert {(o, d) for o, d, s in payment if s == "scheduled"} == {
        (7, dt.date(2025, 7, 30)),
        (3, dt.date(2025, 7, 30)),
        (1, dt.date(2025, 7, 30)),
        (0, dt.date(2025, 7, 30)),
    }
    assert not any(d == dt.date(2025, 6, 30) and s == "scheduled" for _o, d, s in payment)
    assert errors == []


async def test_on_the_day_the_reminder_asks_whether_it_was_done_and_nothing_comes_after(
    make_app, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    _ = _tr(app)
    advance_to(clock, msk(2025, 3, 31, 10))  # the bot "missed" 24 March: only the day itself goes
    await run_tick(app)
    await drain(app)
    due = user.last()
    label = fixture_ruleset.header.deadlines["contract_copy"].label.get("ru")
    assert due.text.startswith("🔔 " + label)
    assert f"Срок: сегодня, {format_day(dt.date(2025, 3, 31), 'ru')}" in due.text
    states = [
        r.state for r in await db.reminders_for(user.user_id) if r.deadline_id == "contract_copy"
    ]
    assert states.count("sent") == 1 and states.count("cancelled") == 1  # no late "7 days left"

    await user.tap(_("Not yet"), due)
    assert _("Please do it as soon as you can. What to do: /status") in user.last().text
    await user.tap(_("Yes, done"), due)  # a second button of the same message still works
    # the fixture rules never ask contract_copy_filed: the user picks from their answers
    assert user.last().text.startswith(_("Your answers"))

    seen = len(user.messages())
    advance_to(clock, msk(2025, 4, 1, 12))  # the day after: nothing more about it
    await run_tick(app)
    await drain(app)
    assert user.messages()[seen:] == []
    assert errors == []


async def test_catch_up_at_night_waits_for_the_morning(
    make_app, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    seen = len(user.messages())
    advance_to(clock, msk(2025, 3, 24, 23, 30))  # the bot was down at 10:00
    await run_tick(app)
    await drain(app)
    assert len(user.messages()) == seen
    [moved] = [
        r
        for r in await db.reminders_for(user.user_id)
        if r.offset_days == 7 and r.deadline_id == "contract_copy"
    ]
    assert moved.state == "scheduled" and moved.remind_at.astimezone(MSK) == msk(2025, 3, 25, 10)
    advance_to(clock, msk(2025, 3, 25, 10))
    await run_tick(app)
    await drain(app)
    assert "Осталось дней: 6." in user.last().text and _sent_at(user.last()).hour == 10
    assert errors == []


def test_quiet_hours_follow_the_reminders_own_zone():
    yekaterinburg = zone_of("Asia/Yekaterinburg")  # UTC+5
    assert (
        next_daytime(dt.datetime(2025, 3, 5, 5, 0, tzinfo=dt.UTC), yekaterinburg) is None
    )  # 10:00
    assert next_daytime(
        dt.datetime(2025, 3, 5, 17, 0, tzinfo=dt.UTC), yekaterinburg
    ) == dt.datetime(2025, 3, 6, 5, 0, tzinfo=dt.UTC)  # 22:00 → 10:00 next day
    assert next_daytime(dt.datetime(2025, 3, 5, 1, 0, tzinfo=dt.UTC), yekaterinburg) == dt.datetime(
        2025, 3, 5, 5, 0, tzinfo=dt.UTC
    )  # 06:00 → 10:00 the same day
    assert zone_of("Not/AZone").key == "Europe/Moscow"


async def test_stopped_or_forgotten_reminders_are_never_sent(
    make_app, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    other = BotUser(app, api, user_id=2002)
    await start(other, "tg")
    await answer_all(other, fixture_ruleset, "tg", PATENT_ANSWERS)
    await other.tap(_tr(app, "tg")("Remind me"))

    await user.say("/reminders")
    await user.tap(_tr(app)("Stop reminders"))
    await other.say("/forget")
    await other.tap(_tr(app, "tg")("Yes, delete everything"))
    seen_user, seen_other = len(user.messages()), len(other.messages())
    advance_to(clock, msk(2025, 3, 24, 10))
    await run_tick(app)
    await drain(app)
    assert len(user.messages()) == seen_user and len(other.messages()) == seen_other
    assert await db.reminders_for(other.user_id) == []
    assert errors == []


async def test_a_reminder_for_a_blocked_user_is_cancelled_and_the_user_marked(
    make_app, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    api.blocked.add(user.user_id)
    advance_to(clock, msk(2025, 3, 24, 10))
    await run_tick(app)
    await drain(app)
    assert not (await db.get_user(user.user_id)).active
    advance_to(clock, msk(2025, 3, 31, 10))
    await run_tick(app)  # the next reminder of a blocked user is cancelled, not attempted
    await drain(app)
    states = {(r.deadline_id, r.kind): r.state for r in await db.reminders_for(user.user_id)}
    assert states[("contract_copy", "before")] == "failed"
    assert states[("contract_copy", "due")] == "cancelled"
    assert len([c for c in api.calls_to("sendMessage") if c.status == 403]) == 1
    assert errors == []


async def test_a_stale_or_foreign_reminder_button_changes_nothing(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _opted_in_patent_worker(make_app, api, fixture_ruleset)
    stranger = BotUser(app, api, user_id=4004)
    await start(stranger, "ru")
    await db.replace_reminders(
        stranger.user_id,
        [NewReminder("patent_payment", "patent_valid", dt.date(2025, 6, 30), dt.datetime(2025, 6, 23, 7, tzinfo=dt.UTC), "before", 7, "1.0.0")],
        api.clock.now(),
    )  # fmt: skip
    [theirs] = await db.reminders_for(stranger.user_id)
    before = (await db.load_interview(user.user_id)).answers
    await user.tap_data(user.last().message_id, f"D:{theirs.id}:paid")
    assert "устарела" in user.last_callback_answer()["text"]
    await user.tap_data(user.last().message_id, "D:999999:done")
    assert (await db.load_interview(user.user_id)).answers == before
    assert errors == []
