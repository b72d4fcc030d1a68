"""Data the fake Bot API records, and parameter decoding shared by its transports.

Why separate: the in-process transport hands over native Python values, the HTTP
server hands over form strings; both go through :func:`normalize_params` so the call
log and the method handlers see the same types, as Telegram's server would.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bot.testing.fake_errors import ApiError

# Parameter types, for bodies that arrive as strings (form posts; PTB's httpx transport
# sends every non-string value JSON-encoded in a form field).
_INT_FIELDS: Final = frozenset(
    {"chat_id", "message_id", "offset", "limit", "user_id", "cache_time", "max_connections",
     "message_thread_id", "from_chat_id", "reply_to_message_id"}
)  # fmt: skip
_NUMBER_FIELDS: Final = frozenset({"timeout", "latitude", "longitude"})
_BOOL_FIELDS: Final = frozenset(
    {"show_alert", "disable_notification", "protect_content", "allow_paid_broadcast",
     "drop_pending_updates", "disable_web_page_preview", "allow_sending_without_reply"}
)  # fmt: skip
_JSON_FIELDS: Final = frozenset(
    {"reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
     "link_preview_options", "reply_parameters"}
)  # fmt: skip


class Fail(Exception):
    """Internal: abort a method handler with a Telegram error response."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.description)
        self.error = error


def bad(description: str) -> Fail:
    return Fail(ApiError(400, f"Bad Request: {description}"))


def normalize_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce string-encoded parameters (form bodies) to the types Telegram expects.

    Native values (the in-process transport, JSON bodies) pass through unchanged.
    Raises :class:`Fail` (400) for unparseable JSON fields, like Telegram.
    """
    result: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            if key in _INT_FIELDS:
                with contextlib.suppress(ValueError):  # "@channelusername" stays a string
                    value = int(value)
            elif key in _NUMBER_FIELDS:
                try:
                    value = float(value)
                except ValueError as exc:
                    raise bad(f'field "{key}" must be a Number') from exc
            elif key in _BOOL_FIELDS:
                value = value.lower() in ("true", "1")
            elif key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError as exc:
                    raise bad(f"can't parse {key} JSON object") from exc
        result[key] = value
    return result


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request (``sendDocument``, ``sendPhoto``)."""

    field: str
    filename: str | None
    content: bytes
    mime_type: str | None = None


@dataclass(frozen=True)
class Attachment:
    """The file a media message carries, as the fake keeps it (content included)."""

    kind: str
    """``"document"`` or ``"photo"``."""
    file_name: str | None
    mime_type: str | None
    content: bytes
    file_id: str
    width: int = 0
    height: int = 0

    def to_api(self) -> dict[str, Any] | list[dict[str, Any]]:
        """The ``Document`` or the ``PhotoSize`` list Telegram returns."""
        base = {
            "file_id": self.file_id,
            "file_unique_id": self.file_id[-16:],
            "file_size": len(self.content),
        }
        if self.kind == "photo":
            return [{**base, "width": self.width, "height": self.height}]
        document = dict(base)
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document


@dataclass
class SentMessage:
    """A message the bot sent, as the fake keeps it (edits applied in place).

    ``text`` is what the user sees (HTML tags removed); ``raw_text`` is what the bot
    sent. ``edits`` lists earlier visible texts, oldest first.
    """

    chat: dict[str, Any]
    message_id: int
    date: int
    text: str
    raw_text: str
    from_user: dict[str, Any]
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    edits: list[str] = field(default_factory=list)
    deleted: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    attachment: Attachment | None = None
    """The document or photo of a media message; ``text`` is then its caption."""

    @property
    def chat_id(self) -> int:
        """The chat the message is in."""
        return int(self.chat["id"])

    def buttons(self) -> list[tuple[str, str | None]]:
        """Flat list of ``(text, callback_data)``; ``None`` data for URL/reply buttons."""
        return buttons(self)

    def to_api(self) -> dict[str, Any]:
        """The ``Message`` object Telegram returns for this message."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.from_user,
            "chat": self.chat,
            "date": self.date,
        }
        if self.attachment is None:
            message["text"] = self.text
        else:
            message[self.attachment.kind] = self.attachment.to_api()
            if self.text:
                message["caption"] = self.text
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup  # Telegram echoes inline markup only
        return message


@dataclass
class ApiCall:
    """One request the fake received: method, parameters, and the HTTP status it got."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 0
    description: str | None = None
    files: dict[str, UploadedFile] = field(default_factory=dict)
    """File parts of a multipart request, by part name."""


def buttons(message: SentMessage | Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Flat ``(text, callback_data)`` list of a message's keyboard (inline or reply)."""
    markup = (
        message.reply_markup if isinstance(message, SentMessage) else message.get("reply_markup")
    )
    if not isinstance(markup, Mapping):
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    flat: list[tuple[str, str | None]] = []
    for row in rows:
        for button in row:
            if isinstance(button, str):
                flat.append((button, None))
            elif isinstance(button, Mapping):
                flat.append((str(button.get("text", "")), button.get("callback_data")))
    return flat
