"""Telegram's updates, decoded without the parts of a tapped message the bot never reads.

A tap's update carries the whole message the button was on: its text, its formatting
and every button of its keyboard. PTB makes an object of each (``Message.de_json``,
every ``InlineKeyboardButton``, every ``MessageEntity``), the largest single cost of a
step at 300 people at once (BENCHMARKS.md, 1 and 8). Of that message the handlers read
its id, its chat, its text (is the greeting at the top? :meth:`Turn.keeping_greeting`)
and whether it still has a keyboard (:meth:`Turn.drop_buttons`) — never a button or
an entity: what a tap means is in its own ``callback_data``.

So the ``getUpdates`` answer is trimmed before PTB decodes it: a tapped message keeps
a keyboard with no buttons (still "has a keyboard") and loses its entities (its text
is unchanged). Nothing else changes, and updates of every other kind pass as they
came. A webhook's updates are decoded by PTB in full; the handlers answer them alike.
"""

from __future__ import annotations

from typing import Any

from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]

EMPTY_KEYBOARD: JSONDict = {"inline_keyboard": []}


def trimmed_update(update: JSONDict) -> JSONDict:
    """``update`` as the bot decodes it: a tapped message without buttons or entities."""
    query = update.get("callback_query")
    if not isinstance(query, dict):
        return update
    message = query.get("message")
    if not isinstance(message, dict) or not ("reply_markup" in message or "entities" in message):
        return update
    kept = {key: value for key, value in message.items() if key != "entities"}
    if isinstance(message.get("reply_markup"), dict):
        kept["reply_markup"] = EMPTY_KEYBOARD
    return {**update, "callback_query": {**query, "message": kept}}


class TrimmedUpdatesRequest(BaseRequest):
    """The ``getUpdates`` connection: ``inner`` does the HTTP, and each update of its
    answer is trimmed (:func:`trimmed_update`) before PTB decodes it.

    Made through :meth:`BaseRequest.parse_json_payload`, which PTB documents as the
    place to change how Telegram's answers are read.
    """

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        return await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        answer = BaseRequest.parse_json_payload(payload)
        updates = answer.get("result")
        if answer.get("ok") and isinstance(updates, list):
            answer["result"] = [
                trimmed_update(update) if isinstance(update, dict) else update for update in updates
            ]
        return answer
