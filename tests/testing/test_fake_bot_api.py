"""The fake Bot API answers like Telegram, so PTB raises its real exceptions."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.testing import (
    BLOCKED,
    CHAT_NOT_FOUND,
    CONNECTION_LOST,
    TIMED_OUT,
    TIMED_OUT_AFTER_DELIVERY,
    FakeBotAPI,
    FakeClock,
    flood,
)


def retry_seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # the timedelta PTB 22 stores, without deprecation noise
    return value.total_seconds()


async def test_get_me_and_send_message(bot, api: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "hamroh_test_bot"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ha", callback_data="yes")]])
    message = await bot.send_message(42, "Salom", reply_markup=keyboard)
    assert isinstance(message, Message)
    assert message.chat.id == 42 and message.text == "Salom"
    assert message.reply_markup == keyboard
    assert abs(message.date.timestamp() - api.clock.now().timestamp()) < 1
    sent = api.last_message(42)
    assert sent is not None and sent.message_id == message.message_id
    assert api.buttons(sent) == [("Ha", "yes")]
    assert [c.method for c in api.calls] == ["getMe", "getMe", "sendMessage"]  # 1st: initialize


async def test_blocked_chat_raises_forbidden(bot, api: FakeBotAPI) -> None:
    api.blocked.add(7)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(7, "hi")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(7, "typing")
    assert api.messages(7) == []
    assert api.calls_to("sendMessage")[0].status == 403


async def test_missing_chat_and_bad_input_raise_bad_request(bot, api: FakeBotAPI) -> None:
    api.missing_chats.add(8)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(8, "hi")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(9, "   ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(9, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):  # after parsing, as Telegram
        await bot.send_message(9, "<b>" + "x" * 4097 + "</b>", parse_mode=ParseMode.HTML)
    tagged = '<a href="https://example.org/' + "p" * 100 + '">x</a>' + "x" * 4095
    assert len(tagged) > 4096
    assert (await bot.send_message(9, tagged, parse_mode=ParseMode.HTML)).text == "x" * 4096
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Ҳа", callback_data="ҳ" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):  # 66 bytes in UTF-8
        await bot.send_message(9, "hi", reply_markup=too_long)


@pytest.mark.parametrize(
    ("text", "mode", "error"),
    [
        ("<b>Status", ParseMode.HTML, 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>a</i>", ParseMode.HTML, 'Can\'t find end tag corresponding to start tag "b"'),
        ("a <br> b", ParseMode.HTML, 'Unsupported start tag "br" at byte offset 2'),
        ("Due 05.03.2025", ParseMode.MARKDOWN_V2, "Character '.' is reserved"),
        ("Wait - now", ParseMode.MARKDOWN_V2, "Character '-' is reserved"),
    ],
)
async def test_bad_formatting_is_rejected(bot, text: str, mode: str, error: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as info:
        await bot.send_message(1, text, parse_mode=mode)
    assert error.lower() in str(info.value).lower()  # PTB re-capitalises descriptions


async def test_valid_formatting_is_accepted_and_visible_text_is_kept(bot, api) -> None:
    await bot.send_message(1, "<b>Holat:</b> &lt;ok&gt;", parse_mode=ParseMode.HTML)
    sent = api.last_message(1)
    assert sent.text == "Holat: <ok>" and sent.raw_text == "<b>Holat:</b> &lt;ok&gt;"
    await bot.send_message(1, r"Due 05\.03\.2025 `a.b` [x](https://a.b/c)", parse_mode="MarkdownV2")


async def test_edits_apply_in_place_and_unchanged_edits_fail(bot, api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(5, "Question?", reply_markup=keyboard)
    edited = await bot.edit_message_text("Answered", chat_id=5, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.edit_date is not None
    stored = api.find_message(5, sent.message_id)
    assert stored.text == "Answered" and stored.edits == ["Question?"]
    assert stored.reply_markup is None  # editMessageText without markup drops the keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Answered", chat_id=5, message_id=sent.message_id)
    await bot.edit_message_reply_markup(
        chat_id=5, message_id=sent.message_id, reply_markup=keyboard
    )
    assert api.buttons(stored) == [("A", "a")]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=5, message_id=999)


async def test_delete_marks_the_message(bot, api: FakeBotAPI) -> None:
    first = await bot.send_message(5, "one")
    await bot.send_message(5, "two")
    assert await bot.delete_message(5, first.message_id)
    assert [m.text for m in api.messages(5)] == ["two"]
    assert [m.deleted for m in api.messages(5, include_deleted=True)] == [True, False]
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(5, first.message_id)


async def test_callback_answers_are_recorded_once(bot, api: FakeBotAPI) -> None:
    sent = await bot.send_message(3, "Pick")
    update = api.callback_update(3, sent.message_id, "x")
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Saqlandi")
    assert api.answered_callbacks[query_id] == {"text": "Saqlandi"}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)


async def test_commands_and_descriptions_per_language(bot, api: FakeBotAPI) -> None:
    await bot.set_my_commands([BotCommand("start", "Бошлаш")], language_code="uz")
    await bot.set_my_commands([BotCommand("start", "Начать"), BotCommand("forget", "Удалить")])
    assert api.commands_for("uz") == [{"command": "start", "description": "Бошлаш"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "forget"]
    await bot.delete_my_commands(language_code="uz")
    assert api.commands_for("uz") == []
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("start", "x")], language_code="uz_Cyrl")
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start!", "x")])
    await bot.set_my_description("Hamroh — помощник", language_code="ru")
    await bot.set_my_short_description("Ёрдамчи", language_code="uz")
    assert api.descriptions == {"ru": "Hamroh — помощник"}
    assert (await bot.get_my_short_description("uz")).short_description == "Ёрдамчи"


async def test_unknown_method_maps_like_telegram(bot, api: FakeBotAPI) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate")
    with pytest.raises(InvalidToken):  # 404 from a known method: PTB's token mapping
        await bot.send_audio(1, b"ID3")
    assert "sendAudio" in api.unknown_methods


async def test_wrong_token_is_rejected(api: FakeBotAPI) -> None:
    from telegram import Bot

    other = Bot("999:WRONG", request=api.request(), get_updates_request=api.request())
    with pytest.raises(InvalidToken, match=r"(?i)rejected by the server"):
        await other.initialize()  # getMe answers 401 Unauthorized


async def test_one_shot_failures(bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", flood(7), chat_id=1)
    api.fail_next("sendMessage", BLOCKED, chat_id=2)
    api.fail_next("sendMessage", CHAT_NOT_FOUND)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "a")
    assert retry_seconds(info.value) == 7
    with pytest.raises(Forbidden):
        await bot.send_message(2, "a")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(3, "a")
    for chat in (1, 2, 3):  # all consumed
        await bot.send_message(chat, "a")


async def test_network_failures(bot, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", CONNECTION_LOST)
    with pytest.raises(NetworkError) as info:
        await bot.send_message(1, "lost")
    assert not isinstance(info.value, TimedOut)
    api.fail_next("sendMessage", TIMED_OUT)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "lost too")
    assert api.messages(1) == []
    api.fail_next("sendMessage", TIMED_OUT_AFTER_DELIVERY)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "arrived")
    assert [m.text for m in api.messages(1)] == ["arrived"]


async def test_flood_every(bot, api: FakeBotAPI) -> None:
    api.flood_every, api.retry_after = 3, 2
    outcomes = []
    for i in range(6):
        try:
            await bot.send_message(1, f"m{i}")
            outcomes.append("ok")
        except RetryAfter as exc:
            outcomes.append(retry_seconds(exc))
    assert outcomes == ["ok", "ok", 2, "ok", "ok", 2]


async def test_global_rate_window(bot, api: FakeBotAPI, clock: FakeClock) -> None:
    api.rate_limit_per_second = 3
    for chat in (1, 2, 3):
        await bot.send_message(chat, "x")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(4, "x")
    assert retry_seconds(info.value) == 1
    clock.advance(0.5)
    with pytest.raises(RetryAfter):
        await bot.send_message(4, "x")
    clock.advance(0.5)
    await bot.send_message(4, "x")  # the first three left the 1-second window
    assert len(api.chats()) == 4


async def test_per_chat_interval(bot, api: FakeBotAPI, clock: FakeClock) -> None:
    api.per_chat_interval = 1.0
    await bot.send_message(1, "a")
    await bot.send_message(2, "a")  # other chats are not affected
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "b")
    clock.advance(1.0)
    await bot.send_message(1, "b")


async def test_latency_uses_the_injected_clock(api: FakeBotAPI, bot, clock: FakeClock) -> None:
    api.latency = 0.2
    start = clock.monotonic()
    await bot.send_message(1, "x")
    assert clock.monotonic() - start == pytest.approx(0.2)


async def test_get_updates_offsets_limits_and_long_poll(bot, api: FakeBotAPI) -> None:
    ids = [api.push_update(api.text_update(1, f"m{i}")) for i in range(5)]
    assert ids == sorted(ids)
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    again = await bot.get_updates(offset=ids[1] + 1)
    assert [u.update_id for u in again] == ids[2:]
    assert api.pending_updates == 3
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    assert await bot.get_updates(offset=ids[-1] + 1, timeout=0) == ()

    poll = asyncio.create_task(bot.get_updates(offset=ids[-1] + 1, timeout=30))
    await asyncio.sleep(0)
    assert not poll.done()
    new_id = api.push_update(api.text_update(2, "late"))
    updates = await asyncio.wait_for(poll, 5)
    assert [u.update_id for u in updates] == [new_id]
    assert updates[0].message.text == "late"


async def test_get_updates_filters_and_conflicts(bot, api: FakeBotAPI) -> None:
    api.push_update(api.text_update(1, "hello"))
    api.push_update(api.callback_update(1, 1, "x"))
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]

    older = asyncio.create_task(bot.get_updates(offset=updates[0].update_id + 1, timeout=30))
    await asyncio.sleep(0)
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await asyncio.wait_for(older, 5)

    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL"):
        await bot.set_webhook("http://example.org/hook")
    api.push_update(api.text_update(1, "dropped"))
    await bot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates == 0
    assert await bot.close() and api.closed
    assert await bot.log_out() and api.logged_out


async def test_form_encoded_parameters_are_normalized(api: FakeBotAPI) -> None:
    status, body = await api.handle(
        "sendmessage",  # Telegram method names are case-insensitive
        {
            "chat_id": "42",
            "text": "123",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
            "allow_paid_broadcast": "true",
        },
    )
    assert status == 200 and body["result"]["text"] == "123"
    assert api.calls[-1].params["chat_id"] == 42
    assert api.calls[-1].params["allow_paid_broadcast"] is True
    status, body = await api.handle("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": "{"})
    assert status == 400 and body["ok"] is False and "can't parse" in body["description"]


async def test_fake_clock_dates(clock: FakeClock) -> None:
    api = FakeBotAPI(clock=clock)
    update = api.text_update(1, "hi")
    assert update["message"]["date"] == int(clock.now().timestamp())
    clock.advance(3600)
    assert api.text_update(1, "later")["message"]["date"] == update["message"]["date"] + 3600
    assert clock.now() - dt.timedelta(hours=1) == dt.datetime(2025, 3, 5, 9, tzinfo=dt.UTC)
