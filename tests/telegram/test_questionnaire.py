"""The questionnaire end to end: /start, language, every question, the result."""

from __future__ import annotations

import pytest

from bot.core.card import build_card
from bot.core.interview import Interview, progress
from bot.core.rules import Ruleset, evaluate, present
from bot.core.rules.present import format_day
from bot.i18n import LANGUAGE_NAMES, LOCALES
from bot.telegram import conversation
from bot.telegram.render import STATUS_ICONS
from bot.testing import FakeBotAPI
from bot.testing.fake_errors import ApiError
from tests.telegram.conftest import NOW, PATENT_ANSWERS, BotUser, close_app
from tests.telegram.helpers import answer, answer_all, question_on_screen, start


@pytest.mark.parametrize("locale", LOCALES)
async def test_full_questionnaire_in_each_locale(
    locale, make_app, api: FakeBotAPI, shipped_or_fixture: Ruleset, errors
):
    ruleset = shipped_or_fixture
    app, db = await make_app(ruleset=ruleset)
    user = BotUser(app, api, language_code="ru")

    before = len(user.messages())
    await start(user, locale)
    chosen, first = user.messages()[before:]  # the picker, now the record; one message more
    assert chosen.text == "✓ " + LANGUAGE_NAMES[locale]
    _ = app.bot_data["hamroh"].catalogs.gettext(locale)
    greeting, question = first.text.split("\n\n", 1)  # the greeting opens the first question
    assert greeting.startswith("👋 " + _("Hello! I am Hamroh.") + "\n")
    assert "/forget" in greeting  # the line on what is stored
    assert question_on_screen(ruleset, first, locale) is not None
    total = progress(Interview(), ruleset, NOW.date())[1]
    assert question.startswith(
        _("Question {position} of about {total}").format(position=1, total=total)
    )
    assert first.buttons()  # the question's buttons, on the one message
    assert total < len(ruleset.questions)  # the likely path, not every question

    asked = await answer_all(user, ruleset, locale, PATENT_ANSWERS)
    assert asked[0] == "citizenship"

    stored = await db.load_interview(user.user_id)
    assessment = evaluate(stored.answers, NOW.date(), ruleset)
    expected = present(assessment, ruleset, locale)
    assert expected.status == "legal"  # a patent worker in good standing
    last = user.last()
    assert last.text == build_card(assessment, ruleset, locale, _).text()  # the card, whole
    assert last.text.startswith(STATUS_ICONS["legal"] + " " + expected.status_title)
    for deadline in expected.deadlines:
        assert deadline.date_text in last.text and deadline.label in last.text
    assert {text.split(" ", 1)[1] for text, _ in last.buttons()} >= {
        label for label in _result_labels(app, locale)
    }
    assert last.parse_mode == "HTML"
    assert set(stored.answers) == set(asked)
    assert (await db.get_user(user.user_id)).locale == locale
    assert errors == []


def _result_labels(app, locale: str) -> set[str]:
    _ = app.bot_data["hamroh"].catalogs.gettext(locale)
    return {_("Why?"), _("Change an answer"), _("Contacts")}


async def test_patent_worker_result_has_deadlines_in_the_users_language(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ky")
    await answer_all(user, fixture_ruleset, "ky", PATENT_ANSWERS)

    text = "\n".join(m.text for m in user.messages()[-3:])
    assert (
        STATUS_ICONS["legal"] + " " + fixture_ruleset.header.statuses["legal"].title.get("ky")
        in text
    )
    assert (
        "2025-ж., 30-июн." in text
        or format_day(__import__("datetime").date(2025, 6, 30), "ky") in text
    )
    user_row = await db.get_user(user.user_id)
    assert (user_row.status, user_row.citizenship) == ("legal", "UZ")
    assert errors == []


async def test_progress_back_and_why(make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "tg")
    await answer(user, fixture_ruleset, "tg", PATENT_ANSWERS)  # citizenship
    question = user.last()
    assert question.text.startswith(fixture_ruleset.question("citizenship").text.get("tg"))
    # the record of the answer opens it, then the honest progress line
    assert "\n✅ Ӯзбекистон\n\nСаволи 2, ҳамагӣ тақрибан " in question.text
    assert "Ҳоло дар Русия ҳастед?" in question.text

    _ = app.bot_data["hamroh"].catalogs.gettext("tg")
    await user.tap(_("Why we ask this?"))
    assert fixture_ruleset.question("in_russia").why.get("tg") in user.last().text
    assert all(_("Why we ask this?") not in label for label, _d in user.last().buttons())

    await user.tap(_("Back"))
    back_to = user.last_with_buttons()
    assert fixture_ruleset.question("citizenship").text.get("tg") in back_to.text
    # the current answer is shown and checked
    assert "✓ " + fixture_ruleset.option_label(fixture_ruleset.question("citizenship"), "UZ").get(
        "tg"
    ) in [label for label, _d in back_to.buttons()]

    await user.tap("Тоҷикистон")
    stored = await db.load_interview(user.user_id)
    assert stored.answers == {"citizenship": "TJ"}
    assert fixture_ruleset.question("in_russia").text.get("tg") in user.last().text
    assert errors == []


async def test_change_an_answer_keeps_the_others_and_re_evaluates(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "uz")
    await answer_all(user, fixture_ruleset, "uz", PATENT_ANSWERS)
    assert (await db.get_user(user.user_id)).status == "legal"
    before = dict((await db.load_interview(user.user_id)).answers)

    _ = app.bot_data["hamroh"].catalogs.gettext("uz")
    await user.tap(_("Change an answer"))
    listing = user.last()
    assert "Patent toʻlangan muddat" in listing.text
    await user.tap("Patent toʻlangan muddat")
    assert fixture_ruleset.question("patent_paid_until").text.get("uz") in user.last().text
    await user.say("28.02.2025")  # the patent lapsed a week ago

    result = "\n".join(m.text for m in user.messages()[-3:])
    assert fixture_ruleset.header.statuses["irregular"].title.get("uz") in result
    after = (await db.load_interview(user.user_id)).answers
    assert after == {**before, "patent_paid_until": "2025-02-28"}
    assert (await db.get_user(user.user_id)).status == "irregular"
    assert errors == []


async def test_change_that_opens_new_questions_asks_them_then_re_evaluates(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    answers = {**PATENT_ANSWERS, "document": "none"}
    asked = await answer_all(user, fixture_ruleset, "ru", answers)
    assert "patent_paid_until" not in asked

    await user.say("/answers")
    await user.tap("Основание пребывания")
    await user.tap("Патент")
    again = await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    assert again == ["patent_issue_date", "patent_paid_until"]
    stored = (await db.load_interview(user.user_id)).answers
    assert stored["document"] == "patent" and stored["registered"] == "yes"
    assert (await db.get_user(user.user_id)).status == "legal"
    assert errors == []


async def test_restart_mid_questionnaire_resumes(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, settings, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "uz_Cyrl")
    for _ in range(4):
        await answer(user, fixture_ruleset, "uz_Cyrl", PATENT_ANSWERS)
    on_screen = question_on_screen(fixture_ruleset, user.last_with_buttons(), "uz_Cyrl")
    assert on_screen is not None and on_screen.id == "document"
    await close_app(app, db)

    app2, db2 = await make_app()
    user2 = BotUser(app2, api)
    await answer(user2, fixture_ruleset, "uz_Cyrl", PATENT_ANSWERS)  # the button from before
    assert question_on_screen(fixture_ruleset, user2.last(), "uz_Cyrl").id == "patent_issue_date"
    await answer_all(user2, fixture_ruleset, "uz_Cyrl", PATENT_ANSWERS)
    assert (await db2.get_user(user.user_id)).status == "legal"
    assert errors == []


async def test_typed_option_words_and_numbers_are_understood(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ky")
    await user.say("кыргызстан")
    await user.say("ооба")
    stored = (await db.load_interview(user.user_id)).answers
    assert stored == {"citizenship": "KG", "in_russia": "yes"}
    assert errors == []


async def test_a_message_telegram_will_not_edit_is_sent_again(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """Back edits the question in place; a message too old to edit gets a new one."""
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)  # citizenship
    on_screen = user.last()
    sent_before = len(list(user.messages()))
    api.fail_next("editMessageText", ApiError(400, "Bad Request: message can't be edited"))
    _ = app.bot_data["hamroh"].catalogs.gettext("ru")
    await user.tap(_("Back"))

    assert len(list(user.messages())) == sent_before + 1
    back_to = user.last()
    assert back_to.message_id != on_screen.message_id
    assert question_on_screen(fixture_ruleset, back_to, "ru").id == "citizenship"
    assert (await db.load_interview(user.user_id)).pending_question == "citizenship"
    assert errors == []


async def test_a_greeting_too_long_to_open_the_question_goes_on_its_own(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors, monkeypatch
):
    """If the greeting and the first question do not fit in one message, the greeting
    goes first on its own, then the question with its buttons (as before they joined)."""
    monkeypatch.setattr(conversation, "MAX_MESSAGE", 300)  # the two take ~330 characters
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    greeting, first = user.messages()[-2:]
    assert greeting.text.startswith("👋 ") and "/forget" in greeting.text
    assert not greeting.buttons()
    assert first.text.startswith("Вопрос 1")
    assert question_on_screen(fixture_ruleset, first, "ru").id == "citizenship"
    assert errors == []
