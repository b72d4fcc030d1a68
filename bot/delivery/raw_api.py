"""Bot API calls whose answer is not needed, without building PTB objects from it.

Why: ``bot.send_message`` and ``bot.edit_message_text`` turn Telegram's answer into a
full ``Message`` (``Message.de_json``: about 0.3 ms of CPU with a keyboard, half the
cost of a queued send and more than choosing the next question). The sender and the
handlers never read it. ``bot.do_api_request`` sends the same request through the
same ``Bot``: its request object, its error mapping (``BadRequest``, ``Forbidden``,
``RetryAfter``, ``NetworkError`` … are raised unchanged) and the Application's rate
limiter. It returns Telegram's raw answer.

Two differences from the named methods are undone here: PTB warns when
``do_api_request`` names a method it has (:func:`quiet_warnings` ignores that warning
for calls made from this module only), and after ``initialize()`` it reports a
rejected token as ``EndPointNotFound``, where the named methods raise
``InvalidToken`` (:func:`call` raises ``InvalidToken`` too).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

from telegram import Bot
from telegram.error import EndPointNotFound, InvalidToken
from telegram.warnings import PTBUserWarning


def quiet_warnings() -> None:
    """Ignore PTB's "Please use 'Bot.sendMessage'" warning for this module's calls only.

    The filter matches that message *and* this module as the warning's origin (PTB
    points the warning at its caller), so the same call made anywhere else still warns.
    Call it when a sender or an application is created rather than at import, so it
    also holds where warning filters are reset between runs (pytest, per test). A
    standing filter rather than ``catch_warnings()`` around each call: the calls await,
    and interleaved ``catch_warnings`` blocks would restore each other's filter lists.
    Idempotent: calling it again moves the filter to the front.
    """
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request\(",
        category=PTBUserWarning,
        module=re.escape(__name__) + r"\Z",
    )


def text_params(
    text: str,
    *,
    parse_mode: str | None = None,
    keyboard: Mapping[str, Any] | None = None,
    disable_preview: bool = False,
) -> dict[str, Any]:
    """The text part of ``sendMessage``/``editMessageText`` as plain data, as the named
    PTB methods would send it: unset options absent, not ``None``."""
    params: dict[str, Any] = {"text": text}
    if parse_mode is not None:
        params["parse_mode"] = parse_mode
    if keyboard:
        params["reply_markup"] = keyboard
    if disable_preview:
        params["link_preview_options"] = {"is_disabled": True}
    return params


async def call(bot: Bot, endpoint: str, params: dict[str, Any]) -> Any:
    """``endpoint`` (Bot API name, e.g. ``"sendMessage"``) with plain-data ``params``;
    Telegram's raw result. Raises what the named PTB method would raise."""
    try:
        return await bot.do_api_request(endpoint, api_kwargs=params)
    except EndPointNotFound as error:
        if isinstance(error.__cause__, InvalidToken):
            raise error.__cause__ from None
        raise
