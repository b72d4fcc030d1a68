"""Commands: /language, /status, /answers, /reminders, /contacts, /help, /privacy, /forget,
and the command menus set on startup."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from telegram import BotCommandScopeChat

from bot.core.rules import Ruleset
from bot.i18n import LOCALES
from bot.storage import NewReminder
from bot.telegram import bot_api
from bot.telegram.app import startup
from bot.telegram.commands import COMMANDS, bot_commands, menu
from bot.telegram.profile import published
from bot.testing import FakeBotAPI
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer, answer_all, question_on_screen, start


def _tr(app, locale="ru"):
    return app.bot_data["hamroh"].catalogs.gettext(locale)


@pytest.mark.parametrize(("first", "second"), [("uz", "uz_Cyrl"), ("uz_Cyrl", "uz"), ("ky", "ru")])
async def test_language_switch_keeps_answers(
    first, second, make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, first)
    for _ in range(3):
        await answer(user, fixture_ruleset, first, PATENT_ANSWERS)
    before = await db.load_interview(user.user_id)

    await user.say("/language")
    assert ("✓ " + {"uz": "Oʻzbekcha", "uz_Cyrl": "Ўзбекча", "ky": "Кыргызча"}[first]) in [
        text for text, _d in user.last().buttons()
    ]
    await user.tap({"uz": "Oʻzbekcha", "uz_Cyrl": "Ўзбекча", "ru": "Русский"}[second])
    assert await db.load_interview(user.user_id) == before
    assert (await db.get_user(user.user_id)).locale == second
    texts = user.texts_since(-2)
    assert _tr(app, second)("Your answers are kept.") in texts[0]
    shown = question_on_screen(fixture_ruleset, user.last(), second)
    assert shown is not None and shown.id == "entry_date"
    # the chat's own menu follows the chosen script
    assert api.commands[("chat", "")][0]["description"] == _tr(app, second)("Start the check")
    assert errors == []


async def test_status_re_evaluates_with_the_clock(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, clock, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    assert (await db.get_user(user.user_id)).status == "legal"

    clock.advance(130 * 86400)  # mid-July 2025: the patent was paid until 30 June
    await user.say("/status")
    text = "\n".join(user.texts_since(-3))
    assert fixture_ruleset.header.statuses["irregular"].title.get("ru") in text
    assert "Патент прекратился" in text
    assert (await db.get_user(user.user_id)).status == "irregular"
    assert errors == []


async def test_status_during_a_change_shows_the_result_with_working_buttons(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    await user.say("/answers")
    await user.tap("Миграционный учёт")  # start changing an answer, then give up
    await user.say("/status")
    assert fixture_ruleset.header.statuses["legal"].title.get("ru") in "\n".join(
        user.texts_since(-3)
    )
    await user.tap(_tr(app)("Why?"))
    assert _tr(app)("Why this result") in user.last().text
    assert (await db.load_interview(user.user_id)).pending_question is None
    assert errors == []


async def test_status_before_the_end_shows_the_question(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "tg")
    await user.say("/status")
    assert _tr(app, "tg")("You have not answered all questions yet.") in user.last().text
    assert question_on_screen(fixture_ruleset, user.last(), "tg").id == "citizenship"
    assert errors == []


async def test_answers_lists_and_changes(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    await start(user, "ky")
    await user.say("/answers")
    assert _tr(app, "ky")("You have not answered any questions yet.") in user.texts_since(-2)[0]
    await answer(user, fixture_ruleset, "ky", PATENT_ANSWERS)
    await answer(user, fixture_ruleset, "ky", PATENT_ANSWERS)
    await user.say("/answers")
    listing = user.last()
    assert "Жарандык: Өзбекстан" in listing.text
    assert [text for text, _d in listing.buttons()] == ["✏️ Жарандык", "✏️ Азыр Россияда"]
    await user.tap("Жарандык")
    await user.tap("Кыргызстан")
    answers = (await db.load_interview(user.user_id)).answers
    assert answers == {"citizenship": "KG", "in_russia": "yes"}
    assert question_on_screen(fixture_ruleset, user.last(), "ky").id == "in_registry"
    assert errors == []


async def test_reminders_show_and_stop(make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors):
    app, db = await make_app()
    user = BotUser(app, api)
    _ = _tr(app, "uz")
    await start(user, "uz")
    await user.say("/reminders")
    assert _("Reminders are off.") in user.last().text
    await user.tap(_("Turn on reminders"))
    assert (await db.get_user(user.user_id)).reminders_opt_in is True
    assert _("No reminders are planned yet.") in user.last().text

    now = api.clock.now()
    await db.replace_reminders(
        user.user_id,
        [
            NewReminder("patent_payment", "patent_valid", dt.date(2025, 6, 30),
                        dt.datetime(2025, 6, 23, 6, 0, tzinfo=dt.UTC), "before", 7, "1.0.0")
        ],
        now,
    )  # fmt: skip
    await user.say("/reminders")
    assert "2025-yil 23-iyun — Patentning oxirgi toʻlangan kuni" in user.last().text
    await user.tap(_("Stop reminders"))
    assert (await db.get_user(user.user_id)).reminders_opt_in is False
    assert [r.state for r in await db.reminders_for(user.user_id)] == ["cancelled"]
    assert _("Reminders are off.") in user.last().text
    assert errors == []


async def test_contacts_before_any_answer_show_all_official_contacts(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "tg")
    await user.say("/contacts")
    text = "\n".join(user.texts_since(-3))
    for contact in fixture_ruleset.contacts.values():
        assert contact.name.get("tg") in text
    assert errors == []


@pytest.mark.parametrize("locale", LOCALES)
async def test_help_and_privacy(locale, make_app, api: FakeBotAPI, errors):
    app, _db = await make_app()
    user = BotUser(app, api, language_code={"uz_Cyrl": "uz"}.get(locale, locale))
    await start(user, locale)
    _ = _tr(app, locale)
    await user.say("/help")
    help_text = user.last().text
    for name, _description in COMMANDS:
        assert name == "help" or f"/{name}" in help_text
    await user.say("/privacy")
    privacy = user.last().text
    assert _("What I keep about you") in privacy
    assert "/forget" in privacy
    assert "180" in privacy  # HAMROH_INACTIVE_DAYS default
    assert errors == []


def _rows_about(path, user_id: int) -> dict[str, int]:
    """Rows mentioning ``user_id`` in every table with a user or chat column."""
    found: dict[str, int] = {}
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for column in ("user_id", "chat_id"):
                if column in columns:
                    count = conn.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,)
                    ).fetchone()[0]
                    found[f"{table}.{column}"] = count
    return found


async def test_forget_asks_then_deletes_every_row(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, settings, errors
):
    app, db = await make_app()
    user = BotUser(app, api)
    other = BotUser(app, api, user_id=3003)
    _ = _tr(app, "tg")
    await start(other, "ru")
    await answer(other, fixture_ruleset, "ru", PATENT_ANSWERS)
    await start(user, "tg")
    await answer_all(user, fixture_ruleset, "tg", PATENT_ANSWERS)
    await user.tap(_("Remind me"))
    await db.replace_reminders(
        user.user_id,
        [NewReminder("patent_payment", "patent_valid", dt.date(2025, 6, 30),
                     dt.datetime(2025, 6, 23, 6, 0, tzinfo=dt.UTC), "before", 7, "1.0.0")],
        api.clock.now(),
    )  # fmt: skip
    assert sum(_rows_about(settings.db_path, user.user_id).values()) >= 3

    await user.say("/forget")
    await user.tap(_("No, keep my answers"))
    assert _("Nothing was deleted.") in user.last().text
    assert await db.get_user(user.user_id) is not None

    await user.say("/forget")
    await user.tap(_("Yes, delete everything"))
    assert "/start" in user.last().text
    assert (
        _("Done. I deleted everything I kept about you. To start again: /start").split(".")[0]
        in user.last().text
    )
    rows = _rows_about(settings.db_path, user.user_id)
    assert rows and all(count == 0 for count in rows.values()), rows
    assert sum(_rows_about(settings.db_path, other.user_id).values()) > 0
    deleted_menus = [c.params["scope"] for c in api.calls_to("deleteMyCommands")]
    assert deleted_menus == [{"type": "chat", "chat_id": user.user_id}]
    # nor in memory: the engine's contexts no longer hold the last evaluation's answers
    assert fixture_ruleset.plan.held_values() == {}

    await user.say("/forget")  # nothing left: the answer is in Telegram's language (ru)
    assert user.last().text == _tr(app, "ru")("I keep nothing about you.")
    assert errors == []


async def test_menus_are_set_per_language_on_startup(make_app, api: FakeBotAPI, errors):
    app, _db = await make_app()
    await startup(app)
    await published(app)  # set in the background, so polling starts at once
    for code, locale in (("", "ru"), ("ru", "ru"), ("ky", "ky"), ("tg", "tg"), ("uz", "uz")):
        commands = api.commands[("default", code)]
        assert [c["command"] for c in commands] == [name for name, _d in COMMANDS]
        assert commands[0]["description"] == _tr(app, locale)("Start the check")


async def test_the_chat_menu_is_the_request_set_my_commands_sends(
    make_app, api: FakeBotAPI, errors
):
    """The chat's menu goes out as plain data: Telegram receives what PTB's named method
    sends for the same commands and scope."""
    app, _db = await make_app()
    _ = _tr(app, "uz_Cyrl")
    async with app:
        await app.bot.set_my_commands(bot_commands(_), scope=BotCommandScopeChat(7))
        await bot_api.set_chat_menu(app.bot, 7, menu(_))
    named, ours = (call.params for call in api.calls_to("setMyCommands")[-2:])
    assert ours == named
    assert ours["commands"][0] == {"command": "start", "description": _("Start the check")}
    assert errors == []


async def test_after_forget_the_person_can_start_again_and_answer(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors
):
    """/forget checkpoints the database; the next updates (each a transaction) still work."""
    app, db = await make_app()
    user = BotUser(app, api)
    _ = _tr(app, "ru")
    await start(user, "ru")
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    await user.say("/forget")
    await user.tap(_("Yes, delete everything"))
    await start(user, "ru")
    await answer(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    assert (await db.load_interview(user.user_id)).answers == {"citizenship": "UZ"}
    assert question_on_screen(fixture_ruleset, user.last(), "ru").id == "in_russia"
    assert errors == []
