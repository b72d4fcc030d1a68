"""Inline keyboards from a screen's choices: buttons over typing, labels in the user's language.

Why inline buttons (not reply keyboards): they belong to one message, carry the
state token (see :mod:`bot.telegram.callbacks`), and a tap cannot be mistaken for
typed text. Layout: short labels two per row, long ones alone, so labels are not
cut on narrow screens of cheap phones.

Why plain data (``{"inline_keyboard": [[{"text", "callback_data"}]]}``) rather than
PTB's ``InlineKeyboardMarkup``: it is what Telegram receives, the send queue stores
the same shape, and building and serialising PTB objects for every question cost
more CPU than choosing the question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.app.screens import Choice
from bot.delivery.payload import InlineKeyboard, inline_keyboard
from bot.telegram import callbacks

Button = tuple[str, str]
"""``(label, callback data)``."""

SHORT_LABEL = 18
"""Labels up to this many characters may share a row."""
CHECK = "✓ "


def label(choice: Choice) -> str:
    """The button text: a check for the current value, the icon, the label."""
    icon = f"{choice.icon} " if choice.icon else ""
    return (CHECK if choice.selected else "") + icon + choice.label


def button(choice: Choice, token: str) -> Button:
    return (label(choice), callbacks.encode_action(choice.action, token))


def markup(rows: Iterable[Sequence[Choice]], token: str) -> InlineKeyboard:
    """Rows of choices as a keyboard (empty rows are left out)."""
    return inline_keyboard([[button(c, token) for c in row] for row in rows if row])


def flowing(choices: Sequence[Choice]) -> list[list[Choice]]:
    """Two per row when every label is short, else one per row."""
    if all(len(label(c)) <= SHORT_LABEL for c in choices):
        return [list(choices[i : i + 2]) for i in range(0, len(choices), 2)]
    return [[c] for c in choices]


def pairs(choices: Sequence[Choice]) -> list[list[Choice]]:
    """Two per row, in order (the result's actions)."""
    return [list(choices[i : i + 2]) for i in range(0, len(choices), 2)]


def one_per_row(choices: Sequence[Choice]) -> list[list[Choice]]:
    return [[c] for c in choices]
