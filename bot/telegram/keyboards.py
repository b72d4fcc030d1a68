"""Inline keyboards: buttons over typing, with labels in the user's language.

Why inline buttons (not reply keyboards): they belong to one message, carry the
state token (see :mod:`bot.telegram.callbacks`), and a tap cannot be mistaken for
typed text. Layout: short labels two per row, long ones alone, so labels are not
cut on narrow screens of cheap phones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.rules import Ruleset
from bot.core.rules.model import Question
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.telegram import callbacks

SHORT_LABEL = 18
"""Labels up to this many characters may share a row."""
CHECK = "✓ "


def _rows(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    if all(len(b.text) <= SHORT_LABEL for b in buttons):
        return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [[b] for b in buttons]


def _markup(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(row) for row in rows if row])


def language_picker(selected: str | None) -> InlineKeyboardMarkup:
    """One language per row, named in itself; ``selected`` is marked with a check."""
    return _markup(
        [
            InlineKeyboardButton(
                (CHECK if locale == selected else "") + name,
                callback_data=callbacks.encode("L", locale),
            )
        ]
        for locale, name in LANGUAGE_NAMES.items()
    )


def question(
    item: Question,
    ruleset: Ruleset,
    locale: str,
    _: Translator,
    token: str,
    *,
    current_value: object = None,
    can_go_back: bool,
    show_why_button: bool,
) -> InlineKeyboardMarkup:
    """Options of a question (current answer checked), then Back and "Why we ask this?"."""
    options = [
        InlineKeyboardButton(
            (CHECK if value == current_value else "")
            + ruleset.option_label(item, value).get(locale),
            callback_data=callbacks.encode("A", token, item.id, value),
        )
        for value in ruleset.option_values(item)
    ]
    navigation = []
    if can_go_back:
        navigation.append(
            InlineKeyboardButton("◀️ " + _("Back"), callback_data=callbacks.encode("B", token))
        )
    if show_why_button:
        navigation.append(
            InlineKeyboardButton(
                "❔ " + _("Why we ask this?"), callback_data=callbacks.encode("W", token, item.id)
            )
        )
    return _markup([*_rows(options), navigation])


def result(_: Translator, token: str, *, has_deadlines: bool) -> InlineKeyboardMarkup:
    """Buttons under a result: Why?, Change an answer, Remind me (with deadlines), Contacts."""

    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callbacks.encode("R", token, action))

    second = [button("📞 " + _("Contacts"), "contacts")]
    if has_deadlines:
        second.insert(0, button("🔔 " + _("Remind me"), "remind"))
    return _markup(
        [
            [button("❔ " + _("Why?"), "why"), button("✏️ " + _("Change an answer"), "change")],
            second,
        ]
    )


def change_answers(items: Sequence[tuple[str, str]], token: str) -> InlineKeyboardMarkup:
    """One button per answered question: ``(question id, label)``."""
    return _markup(
        [InlineKeyboardButton("✏️ " + label, callback_data=callbacks.encode("C", token, qid))]
        for qid, label in items
    )


def reminders(_: Translator, opted_in: bool) -> InlineKeyboardMarkup:
    if opted_in:
        return _markup([[InlineKeyboardButton("🔕 " + _("Stop reminders"), callback_data="M:off")]])
    return _markup([[InlineKeyboardButton("🔔 " + _("Turn on reminders"), callback_data="M:on")]])


def forget(_: Translator) -> InlineKeyboardMarkup:
    return _markup(
        [
            [InlineKeyboardButton("🗑 " + _("Yes, delete everything"), callback_data="F:yes")],
            [InlineKeyboardButton(_("No, keep my answers"), callback_data="F:no")],
        ]
    )
