"""The ``getUpdates`` connection decodes a tap without the message it was on
(``bot.telegram.updates``: its id, chat, text and whether it has a keyboard instead),
and the bot does exactly what it does with PTB's full decoding (a webhook's): the
same Bot API calls, to the parameter, over a whole questionnaire and every old button
tapped again. The other tests of ``tests/telegram`` feed trimmed updates too
(``BotUser.feed``), as ``hamroh run`` gets them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.core.rules import Ruleset
from bot.i18n import gettext
from bot.settings import Settings
from bot.storage import Database
from bot.telegram.app import build_application
from bot.telegram.updates import (
    TAPPED_KEY,
    Tapped,
    TrimmedUpdatesRequest,
    chat_id_of,
    tapped_message,
    trimmed_update,
)
from bot.testing import DEFAULT_TOKEN, ApiError, FakeBotAPI, FakeClock, buttons
from tests.telegram.conftest import NOW, PATENT_ANSWERS, BotUser, close_app
from tests.telegram.helpers import answer_all, start


class WebhookUser(BotUser):
    """A person whose updates PTB decodes in full, as a webhook's are."""

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))


async def _conversation(
    folder: Path, ruleset: Ruleset, user_kind: type[BotUser]
) -> list[tuple[str, dict[str, Any]]]:
    """Every Bot API call of: /start, a language, every question (the first one's "Why we
    ask this?" too), the result, then every button ever sent tapped again."""
    folder.mkdir()
    api = FakeBotAPI(clock=FakeClock(NOW))
    settings = Settings(bot_token=DEFAULT_TOKEN, db_path=folder / "bot.sqlite3")
    database = await Database.open(settings.db_path)
    application = build_application(
        settings, storage=database, ruleset=ruleset, clock=api.clock,
        request=api.request(), get_updates_request=api.request(),
    )  # fmt: skip
    await application.initialize()
    try:
        user = user_kind(application, api)
        await start(user, "ru")
        await user.tap("Зачем этот вопрос?")
        await answer_all(user, ruleset, "ru", PATENT_ANSWERS)
        api.clock.advance(86400)
        for message in list(user.messages()):
            for _text, data in buttons(message.params):  # as sent, before any edit
                if data:
                    await user.tap_data(message.message_id, data)
    finally:
        await close_app(application, database)
    return [(call.method, call.params) for call in api.calls]


async def test_the_bot_answers_trimmed_taps_exactly_as_full_ones(
    tmp_path: Path, fixture_ruleset: Ruleset, errors
) -> None:
    full = await _conversation(tmp_path / "full", fixture_ruleset, WebhookUser)
    trimmed = await _conversation(tmp_path / "trimmed", fixture_ruleset, BotUser)
    assert trimmed == full
    assert sum(method == "editMessageReplyMarkup" for method, _ in full) > 3  # old keyboards
    assert sum(method == "answerCallbackQuery" for method, _ in full) > 40
    assert errors == []


async def test_get_updates_decodes_a_tap_without_its_message_and_other_updates_in_full(
    make_app, api: FakeBotAPI
) -> None:
    app, _db = await make_app()
    assert isinstance(app.bot._request[0], TrimmedUpdatesRequest)  # (getUpdates, the rest)
    user = BotUser(app, api)
    await user.say("/start")
    picker = user.last_with_buttons()
    tap = api.callback_update(user.user_id, picker.message_id, "L:ky")
    text = api.text_update(user.user_id, "Өзбекстан")
    api.push_update(tap)
    api.push_update(text)

    tapped, typed = await app.bot.get_updates(timeout=0)

    query = tapped.callback_query
    assert query is not None and query.data == "L:ky" and query.message is None
    assert tapped_message(query) == Tapped(picker.message_id, user.user_id, picker.text, True)
    assert chat_id_of(tapped) == user.user_id and tapped.effective_user.id == user.user_id
    assert typed.to_dict() == Update.de_json(text, app.bot).to_dict()


def _tap(message: dict[str, Any]) -> dict[str, Any]:
    query = {"id": "1", "from": {"id": 7, "is_bot": False, "first_name": "P"},
             "chat_instance": "1", "data": "x", "message": message}  # fmt: skip
    return {"update_id": 1, "callback_query": query}


def test_only_a_tap_on_a_message_of_a_private_chat_is_trimmed() -> None:
    plain = _tap({"message_id": 5, "date": 1, "chat": {"id": 7, "type": "private"},
                  "text": "hi", "entities": [{"type": "bold", "offset": 0, "length": 2}]})  # fmt: skip
    trimmed = trimmed_update(plain)
    assert "message" not in trimmed["callback_query"]
    assert trimmed["callback_query"][TAPPED_KEY] == {
        "message_id": 5, "chat_id": 7, "text": "hi", "has_keyboard": False
    }  # fmt: skip
    assert "message" in plain["callback_query"]  # the original is not changed
    photo = _tap({"message_id": 6, "date": 1, "chat": {"id": 7, "type": "private"},
                  "caption": "x", "reply_markup": {"inline_keyboard": [[]]}})  # fmt: skip
    assert trimmed_update(photo)["callback_query"][TAPPED_KEY]["text"] == ""
    assert trimmed_update(photo)["callback_query"][TAPPED_KEY]["has_keyboard"] is True
    gone = _tap({"message_id": 5, "date": 0, "chat": {"id": 7, "type": "private"}})
    group = _tap({"message_id": 5, "date": 1, "chat": {"id": -9, "type": "group"}, "text": "x"})
    odd = _tap({"message_id": "5", "date": 1, "chat": {"id": 7, "type": "private"}})
    for update in (gone, group, odd):
        assert trimmed_update(update) is update
    message = {"update_id": 3, "message": {"message_id": 1, "date": 1, "text": "x"}}
    assert trimmed_update(message) is message


def test_a_message_decoded_in_full_gives_the_same_facts() -> None:
    full = _tap({"message_id": 5, "date": 1, "chat": {"id": 7, "type": "private"},
                 "text": "hi", "reply_markup": {"inline_keyboard": [[
                     {"text": "a", "callback_data": "x"}]]}})  # fmt: skip
    decoded, trimmed = (Update.de_json(u, None) for u in (full, trimmed_update(full)))
    assert tapped_message(decoded.callback_query) == tapped_message(trimmed.callback_query)
    assert tapped_message(decoded.callback_query) == Tapped(5, 7, "hi", True)
    assert chat_id_of(decoded) == chat_id_of(trimmed) == 7
    gone = Update.de_json(
        _tap({"message_id": 5, "date": 0, "chat": {"id": 7, "type": "private"}}), None
    )
    assert tapped_message(gone.callback_query) == Tapped(5, 7, "", False)  # PTB: a Message
    assert chat_id_of(gone) == 7


@pytest.mark.parametrize("user_kind", [BotUser, WebhookUser], ids=["trimmed", "full"])
async def test_a_tap_whose_reply_fails_tells_the_person(
    make_app, api: FakeBotAPI, fixture_ruleset: Ruleset, errors, user_kind: type[BotUser]
) -> None:
    app, _db = await make_app()
    user = user_kind(app, api, language_code="ky")
    await start(user, "ky")
    api.fail_next("sendMessage", ApiError(400, "Bad Request: simulated"), chat_id=user.user_id)
    first = user.last_with_buttons()
    await user.tap_data(first.message_id, buttons(first.params)[0][1])  # an answer

    assert len(errors) == 1
    _ = gettext("ky", app.bot_data["hamroh"].catalogs)
    assert user.last().text.endswith(
        _("Sorry, something went wrong. Please try again, or send /start.")
    )
    assert api.answered_callbacks  # the spinner stopped
    errors.clear()
