"""Everything that is not an answer gets a short reply in the user's language and the
current question again; nothing of it is stored; groups get one line and nothing else."""

from __future__ import annotations

import pytest

from bot.core.answers import ParseError
from bot.core.rules import Ruleset
from bot.i18n import LOCALES, gettext, parse_error_message
from bot.testing import FakeBotAPI
from tests.telegram.conftest import BotUser
from tests.telegram.helpers import answer, question_on_screen, start


async def _at_entry_date(make_app, api, ruleset, locale="ru"):
    """A user who picked ``locale`` and answered up to the entry date question."""
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, locale)
    answers = {"citizenship": "TJ", "in_russia": "yes", "in_registry": "no"}
    for _ in range(3):
        await answer(user, ruleset, locale, answers)
    assert question_on_screen(ruleset, user.last(), locale).id == "entry_date"
    return app, db, user


def _tr(app, locale):
    return app.bot_data["hamroh"].catalogs.gettext(locale)


@pytest.mark.parametrize(
    ("kind", "notice"),
    [
        ("sticker", "I understand only buttons and short typed answers."),
        (
            "photo",
            "Please do not send photos or files. I do not need them, and they may show your personal data.",
        ),
        (
            "document",
            "Please do not send photos or files. I do not need them, and they may show your personal data.",
        ),
        (
            "voice",
            "I cannot listen to voice messages or watch videos. Please tap a button or type the answer.",
        ),
        (
            "video",
            "I cannot listen to voice messages or watch videos. Please tap a button or type the answer.",
        ),
        ("location", "Please do not send your location or contacts. I do not need them."),
        ("contact", "Please do not send your location or contacts. I do not need them."),
    ],
)
async def test_non_text_messages_get_a_reply_and_the_question(
    kind, notice, make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _at_entry_date(make_app, api, fixture_ruleset, "tg")
    before = await db.load_interview(user.user_id)
    count = len(user.messages())
    await user.send(kind)
    replies = user.messages()[count:]
    assert len(replies) == 1
    assert replies[0].text.startswith("⚠️ " + _tr(app, "tg")(notice))
    assert question_on_screen(fixture_ruleset, replies[0], "tg").id == "entry_date"
    assert await db.load_interview(user.user_id) == before
    assert errors == []


async def test_unparsable_date_gets_the_reason_and_the_hint(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _at_entry_date(make_app, api, fixture_ruleset, "ky")
    await user.say("31.02.2025")
    reply = user.last()
    reason = parse_error_message(
        ParseError("no_such_day", {"day": 31, "month": 2, "year": 2025}),
        "ky",
        app.bot_data["hamroh"].catalogs,
    )
    assert reason in reply.text
    assert fixture_ruleset.question("entry_date").hint.get("ky") in reply.text
    await user.say("тогуз")
    assert _tr(app, "ky")("I could not read this date.") in user.last().text
    await user.say("05.03.2026")  # in the future
    assert "2026" in user.last().text
    assert "entry_date" not in (await db.load_interview(user.user_id)).answers
    await user.say("5 января 2025")
    assert (await db.load_interview(user.user_id)).answers["entry_date"] == "2025-01-05"
    assert errors == []


async def test_a_5000_character_text_is_not_an_answer(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _at_entry_date(make_app, api, fixture_ruleset, "uz")
    await user.say("а" * 5000)
    reply = user.last()
    assert _tr(app, "uz")("This message is too long. Please answer in a few words.") in reply.text
    assert len(reply.text) < 1000
    assert "entry_date" not in (await db.load_interview(user.user_id)).answers
    assert errors == []


async def test_unknown_command_and_edited_message(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db, user = await _at_entry_date(make_app, api, fixture_ruleset, "uz_Cyrl")
    _ = _tr(app, "uz_Cyrl")
    await user.say("/patent")
    assert _("I do not know this command. All commands: /help") in user.last().text
    assert question_on_screen(fixture_ruleset, user.last(), "uz_Cyrl").id == "entry_date"
    await user.edit("10.01.2025")
    assert (
        _("I do not read edited messages. Please send the answer again as a new message.")
        in user.last().text
    )
    assert "entry_date" not in (await db.load_interview(user.user_id)).answers
    assert errors == []


async def test_choice_question_typed_nonsense_asks_for_a_button(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await user.say("привет как дела")
    assert (
        _tr(app, "ru")("I did not understand. Please tap one of the buttons.") in user.last().text
    )
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "citizenship"
    assert errors == []


async def test_anything_from_a_new_user_gets_the_language_picker(make_app, api: FakeBotAPI, errors):
    app, db = await make_app()
    user = BotUser(app, api, language_code="ky")
    for send in (user.say("салам"), user.send("sticker"), user.say("/status")):
        await send
        assert user.last().text.startswith("Тилди тандаңыз")
        assert ("✓ Кыргызча", "L:ky") in user.last().buttons()
    assert await db.get_user(user.user_id) is None  # nothing stored before a language is chosen
    assert errors == []


@pytest.mark.parametrize(
    ("code", "expected"), [("uz", "uz"), ("en", "ru"), (None, "ru"), ("tg", "tg")]
)
async def test_picker_preselects_telegram_language_only(
    code, expected, make_app, api: FakeBotAPI, errors
):
    app, _db = await make_app()
    user = BotUser(app, api, language_code=code)
    await user.say("/start")
    checked = [data for text, data in user.last().buttons() if text.startswith("✓ ")]
    assert checked == [f"L:{expected}"]
    assert len(user.last().buttons()) == len(LOCALES)


async def test_group_chat_gets_one_line_and_no_processing(make_app, api: FakeBotAPI, errors):
    app, db = await make_app()
    user = BotUser(app, api, user_id=2002, language_code="tg")
    group = -1002002
    await user.feed(api.group_text_update(2002, "/start", group_id=group, language_code="tg"))
    sent = api.messages(group)
    assert len(sent) == 1
    assert sent[0].text == gettext("tg", app.bot_data["hamroh"].catalogs)(
        "I work only in a private chat. Please write to me directly."
    )
    await user.feed(api.group_text_update(2002, "10.01.2025", group_id=group))
    await user.feed(api.group_text_update(2002, "/start@other_bot", group_id=group))
    assert len(api.messages(group)) == 1  # chatter and other bots' commands are left alone
    await user.feed(api.group_text_update(2002, f"/help@{api.bot_username}", group_id=group))
    mention = api.group_text_update(2002, f"@{api.bot_username} салом", group_id=group)
    mention["message"]["entities"] = [
        {"type": "mention", "offset": 0, "length": len(api.bot_username) + 1}
    ]
    await user.feed(mention)
    assert len(api.messages(group)) == 3
    assert api.messages(2002) == []
    assert await db.get_user(2002) is None
    assert errors == []


async def test_added_to_a_group_says_it_works_privately(make_app, api: FakeBotAPI, errors):
    app, _db = await make_app()
    user = BotUser(app, api, user_id=2003)
    update = api.my_chat_member_update(2003, blocked=False, language_code="ky")
    change = update["my_chat_member"]
    change["chat"] = api.chat_dict(-1002003, "supergroup")
    change["old_chat_member"] = {"user": api.bot_user(), "status": "left"}
    await user.feed(update)
    assert [m.text for m in api.messages(-1002003)] == [
        gettext("ky", app.bot_data["hamroh"].catalogs)(
            "I work only in a private chat. Please write to me directly."
        )
    ]
    assert errors == []


async def test_blocking_marks_the_user_inactive(make_app, api: FakeBotAPI, errors):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await user.feed(api.my_chat_member_update(user.user_id, blocked=True))
    assert (await db.get_user(user.user_id)).active is False
    await user.feed(api.my_chat_member_update(user.user_id, blocked=False))
    assert (await db.get_user(user.user_id)).active is True
    assert errors == []


@pytest.mark.parametrize("typed", ["²", "①", "1²", "² марта 2025", "10.01.2025²", "²⁰ дней"])
async def test_digits_that_are_not_plain_digits_get_a_reply_not_an_error(
    typed, make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """A superscript or circled digit (a phone's symbol keyboard) is ``str.isdigit()``
    but not a number ``int()`` reads: it crashed the answer parser for every question."""
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await user.say(typed)  # a choice question: citizenship
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "citizenship"
    assert "⚠️" in user.last().text
    app, db, user = await _at_entry_date(make_app, api, fixture_ruleset, "ru")
    await user.say(typed)  # a date question
    assert "⚠️" in user.last().text
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "entry_date"
    assert "entry_date" not in (await db.load_interview(user.user_id)).answers
    assert errors == []


async def test_a_date_in_arabic_indic_digits_is_read(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    _app, db, user = await _at_entry_date(make_app, api, fixture_ruleset, "tg")
    await user.say("١٠.٠١.٢٠٢٥")  # what a phone with an Arabic keyboard types for 10.01.2025
    assert (await db.load_interview(user.user_id)).answers["entry_date"] == "2025-01-10"
    assert errors == []
