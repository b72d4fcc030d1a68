"""Bot API calls whose answer is not needed, without building PTB objects from it.

Why: ``bot.send_message`` and ``bot.edit_message_text`` turn Telegram's answer into a
full ``Message`` (``Message.de_json``: about 0.3 ms of CPU with a keyboard, half the
cost of a queued send and more than choosing the next question). The sender and the
handlers never read it. And ``bot.do_api_request``, the way PTB offers for raw calls,
costs a third of a call's own work on the bot's side: it warns (filtered, but the
warning is still made and matched every call) when it names a method PTB has, copies
the parameters twice, looks for ``Defaults`` we do not set, turns each parameter into
a PTB ``RequestParameter`` through a chain of type checks, and logs the parameters
(the message text) at debug level.

:func:`call` makes the same request as the named method directly: the parameters as a
``RequestData`` posted by the bot's own ``request`` object (``BaseRequest.post``: the
same HTTP client, timeouts, JSON parsing and error mapping — ``BadRequest``,
``Forbidden``, ``RetryAfter``, ``InvalidToken``, ``NetworkError`` … are raised as the
named methods raise them), through the Application's rate limiter when the bot has one
(so a 429 pauses every send, :mod:`bot.delivery.ptb_limiter`), as ``ExtBot`` does.

PTB has no public constructor for ``RequestData``'s parameters (``RequestParameter``
lives in a private module, stable since PTB 20); the tests through the fake Bot API at
PTB's ``BaseRequest`` seam (tests/delivery/test_sender_request.py) compare what
Telegram receives and what is raised with the named methods, so a change in PTB shows
there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from telegram import Bot
from telegram.ext import ExtBot
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

_PLAIN: Final = frozenset({str, int, float, bool, dict})
"""Types ``RequestParameter.from_input`` passes through as they are (exact types: a
``StringEnum`` is a ``str`` it converts, a list may hold PTB objects or files)."""


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


def request_data(params: Mapping[str, Any]) -> RequestData:
    """``params`` as PTB posts them: ``None`` dropped (as ``Bot._post`` does), files and
    PTB objects converted by PTB itself, plain values as they are."""
    return RequestData(
        [
            RequestParameter(key, value, None)
            if type(value) in _PLAIN
            else RequestParameter.from_input(key, value)
            for key, value in params.items()
            if value is not None
        ]
    )


async def _post(bot: Bot, endpoint: str, params: Mapping[str, Any]) -> Any:
    return await bot.request.post(f"{bot.base_url}/{endpoint}", request_data(params))


async def call(bot: Bot, endpoint: str, params: dict[str, Any]) -> Any:
    """``endpoint`` (Bot API name, e.g. ``"sendMessage"``) with plain-data ``params``;
    Telegram's raw result. Raises what the named PTB method would raise."""
    limiter = bot.rate_limiter if isinstance(bot, ExtBot) else None
    if limiter is None:
        return await _post(bot, endpoint, params)
    return await limiter.process_request(
        callback=_post,
        args=(bot, endpoint, params),
        kwargs={},
        endpoint=endpoint,
        data=params,
        rate_limit_args=None,
    )
