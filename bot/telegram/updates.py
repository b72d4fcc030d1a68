"""Telegram's updates, decoded without the tapped message the bot only glances at.

A tap's update carries the whole message the button was on: its text, its formatting
and every button of its keyboard. PTB makes a full ``Message`` of it (``Message.de_json``
sets some 110 attributes, every ``InlineKeyboardButton``, every ``MessageEntity``):
about 1 M instructions, a quarter of a whole questionnaire step (BENCHMARKS.md, 1 and
8). Of that message the handlers read its id, its chat, its text (is the greeting at
the top? :meth:`Turn.keeping_greeting`) and whether it has a keyboard
(:meth:`Turn.drop_buttons`) — never a button, an entity or anything else: what a tap
means is in its own ``callback_data``.

So the ``getUpdates`` answer is trimmed before PTB decodes it: a tap on a message in a
private chat keeps only those four facts, under :data:`TAPPED_KEY`, in place of the
message. PTB keeps a field it does not know in the query's ``api_kwargs`` (its
documented place for them), so the query is decoded without a ``Message``.
:func:`tapped_message` reads the four facts back, from there or from a message PTB
decoded in full (a webhook's updates, a tap in a group, a message Telegram no longer
gives); :func:`chat_id_of` is the chat of any update. Updates of every other kind pass
as they came. The handlers answer both forms alike
(``tests/telegram/test_trimmed_updates.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]

TAPPED_KEY = "_hamroh_tapped"
"""Where a trimmed tap keeps what the handlers read of its message. A leading underscore:
the Bot API names no field so, and PTB keeps unknown fields in ``api_kwargs``."""


@dataclass(frozen=True, slots=True)
class Tapped:
    """What the handlers read of the message a button was on."""

    message_id: int
    chat_id: int
    text: str
    has_keyboard: bool


def trimmed_update(update: JSONDict) -> JSONDict:
    """``update`` as the bot decodes it: a tap on a message of a private chat carries the
    message's id, chat id, text and whether it has a keyboard instead of the message."""
    query = update.get("callback_query")
    if not isinstance(query, dict):
        return update
    message = query.get("message")
    if not isinstance(message, dict) or not message.get("date"):
        return update  # no message, or one Telegram no longer gives (date 0): as it came
    chat = message.get("chat")
    message_id = message.get("message_id")
    if not isinstance(chat, dict) or chat.get("type") != ChatType.PRIVATE:
        return update  # a tap in a group is refused with PTB's full view of it
    chat_id = chat.get("id")
    text = message.get("text", "")
    if type(message_id) is not int or type(chat_id) is not int or not isinstance(text, str):
        return update
    tapped = {
        "message_id": message_id,
        "chat_id": chat_id,
        "text": text,
        "has_keyboard": isinstance(message.get("reply_markup"), dict),
    }
    kept = {key: value for key, value in query.items() if key != "message"}
    kept[TAPPED_KEY] = tapped
    return {**update, "callback_query": kept}


def tapped_message(query: CallbackQuery | None) -> Tapped | None:
    """The message a button was on, from a trimmed tap or a message PTB decoded in full;
    ``None`` when there is none the bot can edit (an inline query's, or one Telegram no
    longer gives)."""
    if query is None:
        return None
    message = query.message
    if isinstance(message, Message):
        return Tapped(
            message.message_id,
            message.chat.id,
            message.text or "",
            message.reply_markup is not None,
        )
    facts = query.api_kwargs.get(TAPPED_KEY) if message is None else None
    if not isinstance(facts, dict):
        return None
    return Tapped(facts["message_id"], facts["chat_id"], facts["text"], bool(facts["has_keyboard"]))


def chat_id_of(update: Update) -> int | None:
    """The chat of ``update``: PTB's ``effective_chat``, or a trimmed tap's (private) chat."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    tapped = tapped_message(update.callback_query)
    return tapped.chat_id if tapped is not None else None


def in_private_chat(update: Update) -> bool:
    """Whether ``update`` came from a private chat (a trimmed tap always does)."""
    chat = update.effective_chat
    if chat is not None:
        return chat.type == ChatType.PRIVATE
    return tapped_message(update.callback_query) is not None


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
