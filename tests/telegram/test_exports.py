""" "Add to calendar" and "Timeline picture" under a result: a document and a photo,
sent through the fake Bot API and read back as a phone would read them."""

from __future__ import annotations

import io
import logging

from icalendar import Calendar
from PIL import Image

from bot.core.rules import Ruleset, evaluate
from bot.core.rules.engine import coerce_answer
from bot.core.rules.present import format_day
from bot.export import deadline_uid
from bot.testing import FakeBotAPI, SentMessage
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer_all, start


def _tr(app, locale):
    return app.bot_data["hamroh"].catalogs.gettext(locale)


async def _finished(make_app, api, ruleset: Ruleset, locale: str):
    app, db = await make_app(ruleset=ruleset)
    user = BotUser(app, api, language_code=locale)
    await start(user, locale)
    await answer_all(user, ruleset, locale, PATENT_ANSWERS)
    stored = (await db.load_interview(user.user_id)).answers
    today = app.bot_data["hamroh"].today()
    assessment = evaluate({k: coerce_answer(v) for k, v in stored.items()}, today, ruleset)
    assert assessment.deadlines, "the patent worker has deadlines"
    return app, user, assessment


def _events(message: SentMessage):
    assert message.attachment is not None and message.attachment.kind == "document"
    assert message.attachment.file_name == "calendar.ics"
    return list(Calendar.from_ical(message.attachment.content).walk("VEVENT"))


async def test_add_to_calendar_sends_a_neutral_file_then_a_detailed_one(
    make_app, api: FakeBotAPI, shipped_or_fixture: Ruleset, errors
):
    ruleset = shipped_or_fixture
    app, user, assessment = await _finished(make_app, api, ruleset, "ky")
    _ = _tr(app, "ky")
    result = user.last_with_buttons()
    await user.tap(_("Add to calendar"), result)

    neutral = user.last()
    events = _events(neutral)
    deadlines = {d.id: d.date for d in assessment.deadlines}
    assert sorted(e.start for e in events) == sorted(deadlines.values())
    assert {str(e.get("SUMMARY")) for e in events} == {
        "Мөөнөт: " + format_day(day, "ky") for day in deadlines.values()
    }
    assert any(e.walk("VALARM") for e in events)
    assert _("Open the file and add the events to the phone's calendar.") in neutral.text
    assert "«Мөөнөт»" in neutral.text  # the caption says what the titles show
    assert [label for label, _data in neutral.buttons()] == ["📝 " + _("Detailed titles")]

    await user.tap(_("Detailed titles"), neutral)
    detailed = user.last()
    labels = {ruleset.header.deadlines[i].label.get("ky") for i in deadlines}
    assert {str(e.get("SUMMARY")) for e in _events(detailed)} == labels
    uids = {str(e.uid) for e in _events(detailed)}
    assert uids == {str(e.uid) for e in events} == {deadline_uid(i, ruleset) for i in deadlines}
    assert [label for label, _data in detailed.buttons()] == ["🔒 " + _("Neutral titles")]
    assert errors == []


async def test_timeline_picture_is_a_photo_with_its_text(
    make_app, api: FakeBotAPI, shipped_or_fixture: Ruleset, errors
):
    ruleset = shipped_or_fixture
    app, user, assessment = await _finished(make_app, api, ruleset, "uz")
    _ = _tr(app, "uz")
    await user.tap(_("Timeline picture"), user.last_with_buttons())
    photo = user.last()
    assert photo.attachment is not None and photo.attachment.kind == "photo"
    assert Image.open(io.BytesIO(photo.attachment.content)).size[0] == 1080
    assert photo.text.startswith(_("Your timeline"))
    for deadline in assessment.deadlines:
        label = ruleset.header.deadlines[deadline.id].label.get("uz")
        assert f"{format_day(deadline.date, 'uz')} — {label}" in photo.text
    assert errors == []


async def test_without_a_font_the_dates_come_as_text(
    make_app, api: FakeBotAPI, shipped_or_fixture: Ruleset, settings, tmp_path, caplog
):
    settings.font_dir = tmp_path  # no DejaVu here
    caplog.set_level(logging.ERROR, logger="bot.telegram.services")
    app, user, assessment = await _finished(make_app, api, shipped_or_fixture, "tg")
    _ = _tr(app, "tg")
    await user.tap(_("Timeline picture"), user.last_with_buttons())
    message = user.last()
    assert message.attachment is None
    assert message.text.startswith(_("Your timeline"))
    assert format_day(assessment.deadlines[0].date, "tg") in message.text
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.services"]
    assert len(lines) == 1 and "fonts-dejavu-core" in lines[0] and "\n" not in lines[0]


async def test_an_old_calendar_button_after_an_answer_changed_is_stale(
    make_app, api: FakeBotAPI, shipped_or_fixture: Ruleset
):
    app, user, _assessment = await _finished(make_app, api, shipped_or_fixture, "ru")
    _ = _tr(app, "ru")
    result = user.last_with_buttons()
    await user.tap(_("Change an answer"), result)
    region = shipped_or_fixture.question("region").label.get("ru")
    await user.tap(region, user.last_with_buttons())  # reopened: the result is out of date
    sent = len(user.messages())
    await user.tap(_("Add to calendar"), result)
    assert all(m.attachment is None for m in user.messages()[sent:])
    assert user.last_callback_answer()["text"] == _(
        "This button is out of date. Here is where you are now."
    )
