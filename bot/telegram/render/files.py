"""A file for the chat (the calendar file, the timeline picture): what ``sendDocument``
or ``sendPhoto`` needs, drawn from an :class:`~bot.app.screens.Attachment` screen."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.app.screens import Attachment
from bot.delivery.payload import InlineKeyboard
from bot.telegram import keyboards

from .html import utf16_len

MAX_CAPTION = 1024
"""Telegram's limit for a caption, in UTF-16 code units."""


@dataclass(frozen=True)
class FileView:
    """One media message: the file, a plain-text caption and an optional keyboard."""

    kind: str
    filename: str
    content: bytes = field(repr=False)
    caption: str
    keyboard: InlineKeyboard | None = None


def _cut(caption: str) -> str:
    """The caption within Telegram's limit, cut at a line end where possible."""
    if utf16_len(caption) <= MAX_CAPTION:
        return caption
    kept = caption
    while utf16_len(kept) > MAX_CAPTION - 1:
        kept = kept.rsplit("\n", 1)[0] if "\n" in kept else kept[: MAX_CAPTION - 1]
    return kept + "…"


def attachment(screen: Attachment, token: str) -> FileView:
    keyboard = (
        keyboards.markup(keyboards.one_per_row(screen.choices), token) if screen.choices else None
    )
    return FileView(screen.kind, screen.filename, screen.content, _cut(screen.caption), keyboard)
