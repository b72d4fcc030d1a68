"""Telegram HTML: escaping, links, and cutting long texts into messages that fit.

Why HTML and these rules: HTML needs escaping of only ``& < >`` (MarkdownV2 needs
eighteen characters escaped and breaks on a stray dot in a translation). Every
piece of text from a catalog, the ruleset or an answer goes through :func:`esc`;
tags never span lines, so a long text can be cut at any line into messages that
are each valid on their own (Telegram refuses a message over 4,096 characters).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from bot.delivery.payload import InlineKeyboard

MAX_MESSAGE = 4096
"""Telegram's limit for one message text, in UTF-16 code units."""


@dataclass(frozen=True)
class View:
    """One message: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboard | None = None


def esc(text: object) -> str:
    """Text for Telegram HTML: ``&``, ``<`` and ``>`` escaped."""
    return html.escape(str(text), quote=False)


def link(url: str, title: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{esc(title)}</a>'


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji and other astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- splitting


def _hard_split(line: str, limit: int) -> list[str]:
    """Cut one over-long line into plain-text pieces (its tags are dropped)."""
    plain = html.unescape(_strip_tags(line))
    pieces: list[str] = []
    current = ""
    for word in plain.split(" "):
        candidate = f"{current} {word}" if current else word
        if utf16_len(esc(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(esc(current))
        while utf16_len(esc(word)) > limit:
            cut = limit // 6  # an escaped character is at most 5 code units (&amp;)
            pieces.append(esc(word[:cut]))
            word = word[cut:]
        current = word
    if current:
        pieces.append(esc(current))
    return pieces


def plain_text(text: str) -> str:
    """What a user reads from a Telegram-HTML text: tags dropped, entities decoded."""
    return html.unescape(_strip_tags(text))


def _strip_tags(text: str) -> str:
    out, inside = [], False
    for char in text:
        if char == "<":
            inside = True
        elif char == ">" and inside:
            inside = False
        elif not inside:
            out.append(char)
    return "".join(out)


def _fit(block: str, limit: int) -> list[str]:
    if utf16_len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        for part in [line] if utf16_len(line) <= limit else _hard_split(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def pack(blocks: Iterable[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks with blank lines into as few messages as fit in ``limit`` each."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if not block:
            continue
        for piece in _fit(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def views(blocks: Iterable[str], keyboard: InlineKeyboard | None = None) -> list[View]:
    """Blocks packed into messages; the keyboard goes under the last one."""
    texts = pack(blocks)
    return [
        View(text, keyboard if index == len(texts) - 1 else None)
        for index, text in enumerate(texts)
    ]
