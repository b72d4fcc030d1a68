"""Long results are split into valid messages; HTML is escaped; errors are handled
without logging anything the user wrote."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.app.context import Context
from bot.app.interview import result_screen
from bot.app.screens import Result
from bot.core.rules import Ruleset
from bot.core.rules.present import (
    DeadlineText,
    ExplanationText,
    OutcomeText,
    Presentation,
    SourceLink,
)
from bot.i18n import gettext, load_catalogs
from bot.settings import Settings
from bot.telegram import callbacks, render
from bot.telegram.render import MAX_MESSAGE, pack, utf16_len
from bot.testing import ApiError, FakeBotAPI
from bot.testing.fake_text import visible_text
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer, answer_all, start


def _result(ruleset: Ruleset, outcomes: int, steps: int) -> Result:
    step = "Сходите в МВД <по адресу> & возьмите «справку» 🙂 " * 4
    shown = Presentation(
        status="action_needed",
        status_title="Нужно <действовать>",
        status_summary="Скоро срок & штраф.",
        outcomes=tuple(
            OutcomeText(
                id=f"o{i}",
                status="action_needed",
                title=f"Правило {i} <b>",
                steps=(step,) * steps,
                legal_basis="115-ФЗ",
                sources=(SourceLink("S1", "МВД <сайт>", 'https://мвд.рф/?a=1&b="2"'),),
                last_reviewed="2026-11-25",
                uncertain=None,
                scam_warning=None,
                contacts=(),
            )
            for i in range(outcomes)
        ),
        deadlines=(
            DeadlineText("d", "2025-03-05", "5 марта 2025 г.", "Срок <1>", "o0", (3,), None),
        ),
        explanation=tuple(
            ExplanationText(f"o{i}", ("потому что <так>",), ()) for i in range(outcomes)
        ),
        disclaimer="Не юридическая консультация.",
        content_reviewed="2026-11-25",
        ruleset_version="1",
        ruleset_fingerprint="f",
        as_of="2025-03-05",
        locale="ru",
    )
    return result_screen(Context(ruleset, date(2025, 3, 5), "ru", load_catalogs()), shown)


def test_a_long_result_is_split_into_valid_messages(fixture_ruleset: Ruleset):
    views = render.draw(_result(fixture_ruleset, outcomes=12, steps=8), "abc123")
    assert len(views) > 2
    for view in views:
        assert utf16_len(view.text) <= MAX_MESSAGE
        visible_text(view.text, "HTML")  # raises on broken HTML
    assert [v.keyboard is not None for v in views] == [False] * (len(views) - 1) + [True]
    joined = "\n".join(visible_text(v.text, "HTML") for v in views)
    assert "Правило 11 <b>" in joined and "Срок <1>" in joined
    assert joined.count("возьмите «справку»") == 12 * 8 * 4


def test_one_enormous_line_is_cut_safely():
    line = "<b>" + render.esc("слово & <тег> " * 2000) + "</b>"
    messages = pack(["начало", line, "конец"])
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= MAX_MESSAGE
        visible_text(message, "HTML")


def test_every_button_of_the_shipped_ruleset_fits_in_64_bytes(shipped_or_fixture: Ruleset):
    for question in shipped_or_fixture.questions:
        for value in shipped_or_fixture.option_values(question):
            callbacks.encode("A", "abcdef", question.id, value)
        callbacks.encode("W", "abcdef", question.id)
        callbacks.encode("C", "abcdef", question.id)


@pytest.mark.parametrize(
    "fields",
    [
        ("abcdef", "q"),  # one field short
        ("abcdef", "q:x", "v"),  # a field with the separator in it
        ("abcdef", "q", "v\n"),
        ("abcdef", "", "v"),
        ("abcdef", "q", "é"),
        ("abcdef", "q", "v" * 41),
        ("abcdef", "q" * 40, "v" * 20),  # 69 bytes
    ],
)
def test_callback_data_is_refused_unless_ids_within_64_bytes(fields: tuple[str, ...]):
    with pytest.raises(ValueError):
        callbacks.encode("A", *fields)
    assert callbacks.encode("A", "abcdef", "q" * 40, "v" * 14) == f"A:abcdef:{'q' * 40}:{'v' * 14}"
    assert callbacks.decode(callbacks.encode("L", "uz_Cyrl")) == callbacks.Callback(
        "L", ("uz_Cyrl",)
    )


def test_links_are_escaped():
    assert render.link('https://x.org/?a=1&b="2"', "<t>") == (
        '<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">&lt;t&gt;</a>'
    )


async def test_error_handler_logs_no_user_text_and_tells_the_user(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors, caplog
):
    caplog.set_level(logging.DEBUG, logger="bot")
    app, db = await make_app()
    user = BotUser(app, api, language_code="tg")
    await start(user, "tg")
    for _ in range(3):
        await answer(user, fixture_ruleset, "tg", PATENT_ANSWERS)
    api.fail_next("sendMessage", ApiError(400, "Bad Request: simulated"), chat_id=user.user_id)
    await user.say("11.01.2025")

    assert len(errors) == 1
    message = errors[0].getMessage()
    assert "BadRequest" in message
    assert "11.01.2025" not in message and "simulated" not in message
    assert str(api._update_id) in message
    _ = gettext("tg", app.bot_data["hamroh"].catalogs)
    assert user.last().text.endswith(
        _("Sorry, something went wrong. Please try again, or send /start.")
    )
    # the answer itself was saved before the reply failed; the user can go on
    assert (await db.load_interview(user.user_id)).answers["entry_date"] == "2025-01-11"
    errors.clear()


async def test_no_answer_or_text_reaches_our_logs(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors, caplog
):
    caplog.set_level(logging.DEBUG, logger="bot")
    app, _db = await make_app()
    user = BotUser(app, api)
    await start(user, "ru")
    await answer_all(user, fixture_ruleset, "ru", PATENT_ANSWERS)
    await user.say("секретный текст 12345")
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    for secret in ("10.01.2025", "2025-01-10", "секретный", "UZ", "patent"):
        assert not any(secret in line for line in ours), secret


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"HAMROH_ADMIN_IDS": "1, 2,3"}, "admin_ids", (1, 2, 3)),
        ({"HAMROH_ADMIN_IDS": ""}, "admin_ids", ()),
        ({"HAMROH_WEBHOOK_URL": ""}, "webhook_url", None),
        ({"HAMROH_LOG_LEVEL": "debug"}, "log_level", "DEBUG"),
        ({"HAMROH_DB_PATH": "/tmp/x.db"}, "db_path", __import__("pathlib").Path("/tmp/x.db")),
    ],
)
def test_settings_from_environment(monkeypatch, env, field, expected):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert getattr(Settings(), field) == expected


@pytest.mark.parametrize(
    "env",
    [
        {"HAMROH_WEBHOOK_URL": "http://insecure.example"},
        {"HAMROH_WEBHOOK_SECRET": "has spaces"},
        {"HAMROH_LOG_LEVEL": "LOUD"},
    ],
)
def test_bad_settings_fail_at_start(monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValueError):
        Settings()
