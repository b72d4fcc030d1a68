"""Replies and edits in HTML, and answers to taps, sent without building PTB objects.

The handlers never read the message Telegram returns; see :mod:`bot.delivery.raw_api`
for why and for what stays the same (errors, rate limiting).
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, InputFile
from telegram.constants import ParseMode

from bot.delivery import raw_api
from bot.delivery.payload import InlineKeyboard


def _params(text: str, keyboard: InlineKeyboard | None) -> dict[str, Any]:
    return raw_api.text_params(
        text, parse_mode=ParseMode.HTML.value, keyboard=keyboard, disable_preview=True
    )


async def send_html(
    bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboard | None = None
) -> None:
    """``sendMessage`` with HTML text, no link preview and an optional inline keyboard."""
    await raw_api.call(bot, "sendMessage", {"chat_id": chat_id, **_params(text, keyboard)})


async def answer_callback(bot: Bot, query_id: str, text: str | None = None) -> None:
    """``answerCallbackQuery`` with an optional toast: the parameters
    ``CallbackQuery.answer`` sends, without its argument handling and default lookups."""
    await raw_api.call(bot, "answerCallbackQuery", {"callback_query_id": query_id, "text": text})


async def set_chat_menu(bot: Bot, chat_id: int, commands: list[dict[str, str]]) -> None:
    """``setMyCommands`` for one chat (``BotCommandScopeChat``), with the commands as
    plain data: the request ``bot.set_my_commands(…, scope=…)`` sends, without building
    and converting PTB objects for it."""
    await raw_api.call(
        bot, "setMyCommands", {"commands": commands, "scope": {"type": "chat", "chat_id": chat_id}}
    )


async def edit_html(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    keyboard: InlineKeyboard | None = None,
) -> None:
    """``editMessageText`` of a bot message; without ``keyboard`` its buttons go away."""
    await raw_api.call(
        bot,
        "editMessageText",
        {"chat_id": chat_id, "message_id": message_id, **_params(text, keyboard)},
    )


async def send_file(
    bot: Bot,
    chat_id: int,
    kind: str,
    filename: str,
    content: bytes,
    caption: str,
    keyboard: InlineKeyboard | None = None,
) -> None:
    """``sendDocument`` (``kind="document"``) or ``sendPhoto`` with an uploaded file and a
    plain-text caption (at most 1,024 characters; the caller keeps it so)."""
    method = "sendPhoto" if kind == "photo" else "sendDocument"
    params: dict[str, Any] = {"chat_id": chat_id, kind: InputFile(content, filename=filename)}
    if caption:
        params["caption"] = caption
    if keyboard:
        params["reply_markup"] = keyboard
    await raw_api.call(bot, method, params)
