"""Logs are JSON lines and never contain what a user wrote or what the bot answered."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from telegram import Update

from bot.core.rules import Ruleset
from bot.ops.logs import LIBRARY_FLOORS, apply_library_floors, make_handler
from bot.testing import CHAT_NOT_FOUND, FakeBotAPI
from tests.telegram.conftest import PATENT_ANSWERS, BotUser
from tests.telegram.helpers import answer_all, start

USER_ID = 987_650_001


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The production handler on the root logger at DEBUG (the most verbose setting)."""
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *LIBRARY_FLOORS)}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    apply_library_floors("DEBUG")
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_have_the_fields_and_extras(json_logs: io.StringIO) -> None:
    logging.getLogger("bot.ops.test").info("deleted %d users", 3, extra={"event": "retention"})
    (record,) = [r for r in _records(json_logs) if r["logger"] == "bot.ops.test"]
    assert record["msg"] == "deleted 3 users"
    assert record["level"] == "INFO" and record["event"] == "retention"
    assert record["ts"].endswith("+00:00")


def test_exception_messages_are_never_written(json_logs: io.StringIO) -> None:
    typed = "31.02.2025 Rustam Karimov"
    try:
        raise ValueError(f"Invalid isoformat string: {typed!r}")
    except ValueError:
        logging.getLogger("bot.test").exception("parsing failed")
    text = json_logs.getvalue()
    assert typed not in text and "Rustam" not in text
    (record,) = [r for r in _records(json_logs) if r["logger"] == "bot.test"]
    assert record["exc_type"] == "builtins.ValueError"
    assert any("test_exception_messages_are_never_written" in frame for frame in record["frames"])


def test_telegram_objects_in_arguments_are_redacted(json_logs: io.StringIO, api: FakeBotAPI):
    update = Update.de_json(api.text_update(USER_ID, "my passport AB1234567"), None)
    logging.getLogger("bot.test").warning("processing %s", update)
    logging.getLogger("bot.test").warning("message %s", update.message)
    text = json_logs.getvalue()
    assert "AB1234567" not in text and str(USER_ID) not in text
    assert f"<Update {update.update_id}>" in text and "<Message>" in text


def test_libraries_that_log_texts_or_the_token_stay_above_debug(json_logs: io.StringIO) -> None:
    assert logging.getLogger("telegram").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("telegram.ext").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


async def test_a_whole_questionnaire_logs_no_text_and_no_answer(
    json_logs: io.StringIO, make_app, api: FakeBotAPI, fixture_ruleset: Ruleset
) -> None:
    app, db = await make_app(ruleset=fixture_ruleset)
    user = BotUser(app, api, user_id=USER_ID, language_code="uz")
    await start(user, "uz")
    await answer_all(user, fixture_ruleset, "uz", PATENT_ANSWERS)
    await user.say("31.02.2025")  # not a question any more: free text
    api.fail_next("sendMessage", CHAT_NOT_FOUND, chat_id=USER_ID)
    await user.say("/status")  # the reply fails: the error handler logs
    await user.say("/status")

    records = _records(json_logs)
    assert any(r["logger"] == "bot.telegram.errors" for r in records)  # something was logged
    text = json_logs.getvalue()
    typed_dates = [v for v in PATENT_ANSWERS.values() if v.count(".") == 2] + ["31.02.2025"]
    assert len(typed_dates) >= 3
    for value in typed_dates:
        assert value not in text
    stored = (await db.load_interview(USER_ID)).answers  # dates are stored as ISO text
    stored_dates = [v for v in stored.values() if v.count("-") == 2]
    assert len(stored_dates) >= 3
    for value in stored_dates:
        assert value not in text
    for qid, value in PATENT_ANSWERS.items():  # no "question=value" pairs in any form
        assert f'"{qid}", "{value}"' not in text and f"{qid}={value}" not in text
    for message in user.messages():
        for line in message.text.splitlines():
            if len(line.strip()) >= 12:
                assert line.strip() not in text
    assert str(USER_ID) not in text
