"""Replies and edits that skip building a PTB ``Message`` from Telegram's answer.

Why: ``bot.send_message`` and ``bot.edit_message_text`` turn every answer into a full
``Message`` object (about 0.3 ms of CPU with an eight-button keyboard, more than the
rest of a questionnaire step), and the handlers never read it. ``do_api_request``
sends the same request through the same ``Bot``: its request object, its error
mapping (``BadRequest``, ``Forbidden``, ``RetryAfter``, ``NetworkError`` are raised
unchanged) and the Application's rate limiter. It returns Telegram's raw answer.

PTB warns when ``do_api_request`` names a method it has; :func:`quiet_raw_requests`
ignores that one warning for calls made from this module only.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import EndPointNotFound, InvalidToken
from telegram.warnings import PTBUserWarning

from bot.delivery.payload import InlineKeyboard

NO_PREVIEW: dict[str, Any] = {"is_disabled": True}


def quiet_raw_requests() -> None:
    """Ignore PTB's "Please use 'Bot.sendMessage'" warning for this module's calls.

    Called when the application is built rather than at import, so it also holds where
    the warning filters are reset between runs (pytest does this for each test). A
    standing filter rather than ``catch_warnings()`` around each call: the calls await,
    and interleaved ``catch_warnings`` blocks would restore each other's filter lists.
    """
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.(sendMessage|editMessageText)' instead of 'Bot\.do_api_request",
        category=PTBUserWarning,
        module=re.escape(__name__) + r"\Z",
    )


async def _request(bot: Bot, endpoint: str, params: dict[str, Any]) -> Any:
    try:
        return await bot.do_api_request(endpoint, api_kwargs=params)
    except EndPointNotFound as error:
        # After initialize(), PTB reports a rejected token from do_api_request as
        # "endpoint not found"; the named methods raise InvalidToken, and so do we.
        if isinstance(error.__cause__, InvalidToken):
            raise error.__cause__ from None
        raise


def _params(text: str, keyboard: InlineKeyboard | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "text": text,
        "parse_mode": ParseMode.HTML.value,
        "link_preview_options": NO_PREVIEW,
    }
    if keyboard is not None:
        params["reply_markup"] = keyboard
    return params


async def send_html(
    bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboard | None = None
) -> None:
    """``sendMessage`` with HTML text, no link preview and an optional inline keyboard."""
    await _request(bot, "sendMessage", {"chat_id": chat_id, **_params(text, keyboard)})


async def edit_html(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    keyboard: InlineKeyboard | None = None,
) -> None:
    """``editMessageText`` of a bot message; without ``keyboard`` its buttons go away."""
    await _request(
        bot,
        "editMessageText",
        {"chat_id": chat_id, "message_id": message_id, **_params(text, keyboard)},
    )
