"""The ``getUpdates`` connection trims a tapped message of its buttons and entities
(``bot.telegram.updates``) and the bot does exactly what it does with PTB's full
decoding: the same Bot API calls, to the parameter, over a whole questionnaire and
every old button tapped again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Update

from bot.core.rules import Ruleset
from bot.settings import Settings
from bot.storage import Database
from bot.telegram.app import build_application
from bot.telegram.updates import TrimmedUpdatesRequest, trimmed_update
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock, buttons
from tests.telegram.conftest import NOW, PATENT_ANSWERS, BotUser, close_app
from tests.telegram.helpers import answer_all, start


class TrimmedUser(BotUser):
    """A person whose updates reach the bot as its ``getUpdates`` connection decodes them."""

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(trimmed_update(update), self.app.bot))


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
    full = await _conversation(tmp_path / "full", fixture_ruleset, BotUser)
    trimmed = await _conversation(tmp_path / "trimmed", fixture_ruleset, TrimmedUser)
    assert trimmed == full
    assert sum(method == "editMessageReplyMarkup" for method, _ in full) > 3  # old keyboards
    assert sum(method == "answerCallbackQuery" for method, _ in full) > 40
    assert errors == []


async def test_get_updates_decodes_a_tap_without_buttons_and_other_updates_in_full(
    make_app, api: FakeBotAPI
) -> None:
    app, _db = await make_app()
    assert isinstance(app.bot._request[0], TrimmedUpdatesRequest)  # (getUpdates, the rest)
    user = BotUser(app, api)
    await user.say("/start")
    picker = user.last_with_buttons()
    tap = api.callback_update(user.user_id, picker.message_id, "L:ky")
    tap["callback_query"]["message"]["entities"] = [{"type": "bold", "offset": 0, "length": 2}]
    text = api.text_update(user.user_id, "Өзбекстан")
    api.push_update(tap)
    api.push_update(text)

    tapped, typed = await app.bot.get_updates(timeout=0)

    assert tapped.callback_query is not None and tapped.callback_query.data == "L:ky"
    message = tapped.callback_query.message
    assert message is not None and message.message_id == picker.message_id
    assert message.text == picker.text and message.entities == ()
    assert message.reply_markup is not None and message.reply_markup.inline_keyboard == ()
    assert typed.to_dict() == Update.de_json(text, app.bot).to_dict()


def test_a_tap_without_a_keyboard_keeps_none_and_an_inaccessible_message_passes() -> None:
    plain = {"update_id": 1, "callback_query": {"id": "1", "data": "x", "message": {
        "message_id": 5, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "hi",
        "entities": [{"type": "bold", "offset": 0, "length": 2}]}}}  # fmt: skip
    trimmed = trimmed_update(plain)
    assert "reply_markup" not in trimmed["callback_query"]["message"]
    assert "entities" not in trimmed["callback_query"]["message"]
    assert "entities" in plain["callback_query"]["message"]  # the original is not changed
    gone = {"update_id": 2, "callback_query": {"id": "2", "data": "x", "message": {
        "message_id": 5, "date": 0, "chat": {"id": 1, "type": "private"}}}}  # fmt: skip
    assert trimmed_update(gone) is gone
    message = {"update_id": 3, "message": {"message_id": 1, "date": 1, "text": "x"}}
    assert trimmed_update(message) is message
