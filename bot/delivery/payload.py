"""What a queued message says: text, parse mode and an optional inline keyboard.

Why plain data (no PTB objects): payloads are stored as JSON in the outbox and may
be written by the CLI (an admin broadcast) in another process. Validation happens at
enqueue time so a broken keyboard fails the admin's command, not 100,000 sends later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

MAX_TEXT_LENGTH: Final = 4096
MAX_CALLBACK_DATA_BYTES: Final = 64
PARSE_MODES: Final = frozenset({"HTML", "MarkdownV2"})

InlineKeyboard = dict[str, list[list[dict[str, str]]]]


NAMED_ENTITIES: Final = frozenset(
    {"lt", "gt", "amp", "quot", "apos", "nbsp", "hellip", "mdash", "ndash", "lsquo", "rsquo",
     "ldquo", "rdquo"}
)  # fmt: skip
"""The named entities the Bot API reads in ``parse_mode=HTML`` (its "Formatting options";
any number, ``&#160;``, is read too). Another name would reach people as it is typed."""

_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(?:" + "|".join(sorted(NAMED_ENTITIES)) + r"|#\d+|#x[0-9a-fA-F]+);")


def visible_length(text: str, parse_mode: str | None) -> int:
    """How long ``text`` is as Telegram counts its limit: after the entities are parsed
    (for HTML: without the tags, an entity as one character), in UTF-16 code units.

    Why not ``len(text)``: a broadcast's links and bold words are in its HTML; counting
    them refused texts Telegram takes (4,096 characters a person sees, with a few links).
    """
    if parse_mode == "HTML":
        text = _ENTITY.sub("x", _TAG.sub("", text))
    return len(text.encode("utf-16-le")) // 2


def inline_keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboard:
    """Build ``{"inline_keyboard": ...}`` from ``(text, callback_data)`` rows.

    ``callback_data`` starting with ``http://``/``https://`` becomes a URL button.
    """
    return {
        "inline_keyboard": [
            [
                {"text": text, "url": data}
                if data.startswith(("http://", "https://"))
                else {"text": text, "callback_data": data}
                for text, data in row
            ]
            for row in rows
        ]
    }


def _check_keyboard(markup: object) -> None:
    if not isinstance(markup, dict) or set(markup) != {"inline_keyboard"}:
        raise ValueError("reply_markup must be {'inline_keyboard': [[button, ...], ...]}")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValueError("inline_keyboard must be a list of rows (lists)")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ValueError("every button needs a text")
            if not button["text"]:
                raise ValueError("button text must not be empty")
            data, url = button.get("callback_data"), button.get("url")
            if data is not None:
                if not isinstance(data, str) or not (
                    1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise ValueError("callback_data must be 1-64 bytes of UTF-8")
            elif not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ValueError("a button needs callback_data or an http(s) url")


@dataclass(frozen=True, slots=True)
class MessagePayload:
    """A message to send: ``text`` plus optional ``parse_mode`` and inline keyboard."""

    text: str
    parse_mode: str | None = None
    reply_markup: InlineKeyboard | None = field(default=None, hash=False, compare=True)
    disable_preview: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError("message text must be a non-empty string")
        if visible_length(self.text, self.parse_mode) > MAX_TEXT_LENGTH:
            raise ValueError(f"message text is longer than {MAX_TEXT_LENGTH} characters")
        if self.parse_mode is not None and self.parse_mode not in PARSE_MODES:
            raise ValueError(f"parse_mode must be one of {sorted(PARSE_MODES)} or None")
        if self.reply_markup is not None:
            _check_keyboard(self.reply_markup)

    def to_json(self) -> str:
        """Serialise for the outbox ``payload`` column."""
        data: dict[str, Any] = {"text": self.text}
        if self.parse_mode is not None:
            data["parse_mode"] = self.parse_mode
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        if not self.disable_preview:
            data["disable_preview"] = False
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> MessagePayload:
        """Parse a stored payload; raises ``ValueError`` if it is damaged."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("payload must be a JSON object")
        return cls(
            text=data.get("text", ""),
            parse_mode=data.get("parse_mode"),
            reply_markup=data.get("reply_markup"),
            disable_preview=bool(data.get("disable_preview", True)),
        )
