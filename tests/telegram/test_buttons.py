"""Buttons: stale and double taps never change answers; result buttons do what they say."""

from __future__ import annotations

from datetime import date

from bot.core.rules import Assessment, Ruleset
from bot.core.rules.present import format_day
from bot.telegram import callbacks, conversation
from bot.testing import FakeBotAPI, buttons
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer, answer_all, question_on_screen, start

STALE = "This button is out of date. Here is where you are now."


def _tr(app, locale="ru"):
    return app.bot_data["hamroh"].catalogs.gettext(locale)


async def test_double_tap_on_an_option_changes_nothing(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    question = user.last()
    message_id, data = user.find_button("Узбекистан")
    _m, other = user.find_button("Кыргызстан")
    await user.tap_data(message_id, data)
    assert (await db.load_interview(user.user_id)).answers == {"citizenship": "UZ"}
    state_after_first = await db.load_interview(user.user_id)

    await user.tap_data(message_id, data)  # the second tap of a double tap
    await user.tap_data(question.message_id, other)  # another option of the same old message
    assert await db.load_interview(user.user_id) == state_after_first
    assert user.last_callback_answer()["text"] == _tr(app)(STALE)
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert errors == []


async def test_button_from_an_old_question_does_not_change_a_later_answer(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    answers = (await db.load_interview(user.user_id)).answers

    # Every button ever sent, pressed again a week later:
    api.clock.advance(7 * 86400)
    taps = 0
    for message in list(user.messages()):
        for _text, data in buttons(message.params):  # as sent, before any edit
            if data and data[0] in "ABWC":
                await user.tap_data(message.message_id, data)
                taps += 1
    assert taps > 20
    assert (await db.load_interview(user.user_id)).answers == answers
    assert errors == []


async def test_stale_back_and_forged_data_are_refused(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    before = await db.load_interview(user.user_id)
    message = user.last()
    token = user.find_button("Проверил(а), меня нет", message)[1].split(":")[1]
    await user.tap_data(message.message_id, callbacks.encode("B", "ffffff"))
    await user.tap_data(message.message_id, "A:zz:citizenship:KG")
    await user.tap_data(message.message_id, "garbage")
    await user.tap_data(message.message_id, callbacks.encode("A", token, "in_registry", "maybe"))
    await user.tap_data(message.message_id, callbacks.encode("A", token, "citizenship", "KG"))
    for data in ("D:²:done", "D:99999999999999999999999:done", "X:①:confirm:_", "X:1²:a:b"):
        await user.tap_data(message.message_id, data)  # ids no database integer can hold
        assert "устарела" in user.last_callback_answer()["text"], data
    assert await db.load_interview(user.user_id) == before
    assert errors == []


async def test_a_button_after_restart_still_works_if_current(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """Telegram may show an old message as inaccessible (date 0); the tap is still served."""
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    message_id, data = user.find_button("Таджикистан")
    update = api.callback_update(user.user_id, message_id, data)
    update["callback_query"]["message"] = {
        "message_id": message_id,
        "date": 0,
        "chat": update["callback_query"]["message"]["chat"],
    }
    await user.feed(update)
    assert (await db.load_interview(user.user_id)).answers == {"citizenship": "TJ"}
    assert errors == []


async def test_result_buttons(make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors):
    planned: list[tuple[int, Assessment]] = []

    async def planner(user_id: int, assessment: Assessment) -> None:
        planned.append((user_id, assessment))

    app, db = await make_app(planner=planner)
    user = BotUser(app, api)
    _ = _tr(app)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    result = user.last()
    assert planned == []  # reminders are opt-in
    assert (await db.get_user(user.user_id)).reminders_opt_in is False

    await user.tap(_("Why?"), result)
    why = user.last().text
    assert _("Why this result") in why
    assert "Патент оплачен до: " + format_day(date(2025, 6, 30), "ru") in why

    await user.tap(_("Remind me"), result)
    assert (await db.get_user(user.user_id)).reminders_opt_in is True
    assert [(uid, a.status) for uid, a in planned] == [(user.user_id, "legal")]
    assert user.last_callback_answer()["text"] == _("Reminders are on.")

    await user.tap(_("Contacts"), result)
    contacts_text = user.last().text
    assert "Узбекистан" in contacts_text or "Узбекистана" in contacts_text
    assert "Кыргыз" not in contacts_text  # embassies of other countries are left out

    await user.tap(_("Change an answer"), result)
    assert _("Tap an answer to change it. Your other answers stay.") in user.last().text

    # the result is computed again after a change, and the planner hears of it
    await user.tap("Патент оплачен до")
    await user.say("31.07.2025")
    assert planned[-1][1].deadline("patent_payment").date.isoformat() == "2025-07-31"
    assert errors == []


async def test_why_for_a_question_that_is_no_longer_current_is_stale(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    why_button = user.find_button(_tr(app)("Why we ask this?"))
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    await user.tap_data(*why_button)  # the keyboard is gone, but a client may lag behind
    assert user.last_callback_answer()["text"] == _tr(app)(STALE)
    assert errors == []


async def test_every_callback_is_answered(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    for message in list(user.messages()):
        for _text, data in message.buttons():
            if data:
                await user.tap_data(message.message_id, data)
    assert api._open_callbacks == set()
    assert errors == []


async def test_the_greeting_stays_when_the_first_question_is_edited(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """The greeting opens the first question's message (one message, not two); "Why we
    ask this?" edits that message, and the greeting still opens it."""
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    first = user.last()
    greeting, _question = first.text.split("\n\n", 1)
    assert greeting.startswith("👋 ") and "/forget" in greeting
    sent = len(user.messages())
    await user.tap(_tr(app)("Why we ask this?"), first)
    assert len(user.messages()) == sent  # edited in place
    edited = user.messages()[-1]
    assert edited.message_id == first.message_id
    assert edited.text.startswith(greeting + "\n\n")
    assert "❔ Сроки и правила зависят от гражданства" in edited.text
    assert question_on_screen(fixture_ruleset, edited, "ru").id == "citizenship"
    await user.tap("Узбекистан", edited)  # its buttons still answer
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert user.messages()[-2].text == edited.text  # the greeting is still in the chat
    assert errors == []


async def test_a_first_answer_recorded_in_place_keeps_the_greeting(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors, monkeypatch
):
    """When the record of the first answer replaces its question instead of opening the
    next one (here: no room is left for it), the greeting still opens the message."""
    monkeypatch.setattr(conversation, "RECORD_ROOM", 0)
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    first = user.last()
    greeting = first.text.split("\n\n", 1)[0]
    await user.tap("Узбекистан", first)
    edited = next(m for m in user.messages() if m.message_id == first.message_id)
    assert edited.text == greeting + "\n\nГражданином какой страны вы являетесь?\n✅ Узбекистан"
    assert not edited.buttons()
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert errors == []
