"""Update builders produce JSON that PTB parses, and handlers run on it for real."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.testing import FakeBotAPI


def test_builders_parse_into_real_ptb_objects(api: FakeBotAPI) -> None:
    text = Update.de_json(api.text_update(1, "/start ref", language_code="ky"), None)
    assert text.message.text == "/start ref"
    assert text.message.entities[0].type == "bot_command" and text.message.entities[0].length == 6
    assert text.effective_user.language_code == "ky" and not text.effective_user.is_bot
    assert text.effective_chat.type == ChatType.PRIVATE

    no_lang = Update.de_json(api.text_update(1, "hi", language_code=None), None)
    assert no_lang.effective_user.language_code is None

    group = Update.de_json(api.group_text_update(2, "salom"), None)
    assert group.effective_chat.type == ChatType.SUPERGROUP and group.effective_chat.id < 0

    assert Update.de_json(api.sticker_update(1), None).message.sticker.emoji == "👍"
    photo = Update.de_json(api.photo_update(1, caption="patent"), None).message
    assert len(photo.photo) == 3 and photo.caption == "patent"
    assert (
        Update.de_json(api.voice_update(1, duration=4), None).message.voice.mime_type == "audio/ogg"
    )
    location = Update.de_json(api.location_update(1, 59.9, 30.3), None).message.location
    assert (location.latitude, location.longitude) == (59.9, 30.3)

    member = Update.de_json(api.my_chat_member_update(1), None).my_chat_member
    assert member.new_chat_member.status == ChatMemberStatus.BANNED  # "kicked"
    back = Update.de_json(api.my_chat_member_update(1, blocked=False), None).my_chat_member
    assert back.new_chat_member.status == ChatMemberStatus.MEMBER


def test_update_and_message_ids_increase(api: FakeBotAPI) -> None:
    updates = [api.text_update(1, "a"), api.sticker_update(1), api.text_update(1, "b")]
    update_ids = [u["update_id"] for u in updates]
    assert update_ids == sorted(update_ids) and len(set(update_ids)) == 3
    assert [u["message"]["message_id"] for u in updates] == [1, 2, 3]
    assert api.text_update(2, "other chat")["message"]["message_id"] == 1


def test_callback_for_unknown_message_is_inaccessible(api: FakeBotAPI) -> None:
    query = Update.de_json(api.callback_update(1, 77, "x"), None).callback_query
    assert query.chat_instance and query.data == "x"
    assert not query.message.is_accessible


async def test_full_handler_flow_through_process_update(api: FakeBotAPI) -> None:
    """A /start → inline button → edited message flow, as a handler test would run it."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = [[InlineKeyboardButton("Кыргызча", callback_data="lang:ky")]]
        await update.message.reply_text(
            "Тилди тандаңыз", reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("✓")
        await update.callback_query.edit_message_text(f"OK: {update.callback_query.data}")

    async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message("Please use the buttons")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, other))
    async with app:
        await app.process_update(Update.de_json(api.text_update(42, "/start"), app.bot))
        prompt = api.last_message(42)
        assert prompt is not None and api.buttons(prompt) == [("Кыргызча", "lang:ky")]

        press = api.callback_update(42, prompt.message_id, "lang:ky")
        assert press["callback_query"]["message"]["text"] == "Тилди тандаңыз"
        await app.process_update(Update.de_json(press, app.bot))
        assert prompt.text == "OK: lang:ky" and prompt.edits == ["Тилди тандаңыз"]
        assert api.answered_callbacks[press["callback_query"]["id"]] == {"text": "✓"}

        await app.process_update(Update.de_json(api.sticker_update(42), app.bot))
        assert api.last_message(42).text == "Please use the buttons"
        await app.process_update(Update.de_json(api.group_text_update(42, "hi"), app.bot))
        assert len(api.messages(42)) == 2  # nothing new in the private chat
