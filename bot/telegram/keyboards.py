"""Inline keyboards: buttons over typing, with labels in the user's language.

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

from bot.core.rules import Ruleset
from bot.core.rules.model import Question
from bot.delivery.payload import InlineKeyboard, inline_keyboard
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.telegram import callbacks

Button = tuple[str, str]
"""``(label, callback data)``."""

SHORT_LABEL = 18
"""Labels up to this many characters may share a row."""
CHECK = "✓ "


def _rows(buttons: Sequence[Button]) -> list[list[Button]]:
    if all(len(label) <= SHORT_LABEL for label, _data in buttons):
        return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [[b] for b in buttons]


def _markup(rows: Iterable[Sequence[Button]]) -> InlineKeyboard:
    return inline_keyboard([row for row in rows if row])


def language_picker(selected: str | None) -> InlineKeyboard:
    """One language per row, named in itself; ``selected`` is marked with a check."""
    return _markup(
        [
            (
                (CHECK if locale == selected else "") + name,
                callbacks.encode("L", locale),
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
) -> InlineKeyboard:
    """Options of a question (current answer checked), then Back and "Why we ask this?"."""
    options = [
        (
            (CHECK if value == current_value else "")
            + ruleset.option_label(item, value).get(locale),
            callbacks.encode("A", token, item.id, value),
        )
        for value in ruleset.option_values(item)
    ]
    navigation = []
    if can_go_back:
        navigation.append(("◀️ " + _("Back"), callbacks.encode("B", token)))
    if show_why_button:
        navigation.append(("❔ " + _("Why we ask this?"), callbacks.encode("W", token, item.id)))
    return _markup([*_rows(options), navigation])


def result(_: Translator, token: str, *, has_deadlines: bool) -> InlineKeyboard:
    """Buttons under a result: Why?, Change an answer, Remind me (with deadlines), Contacts."""

    def button(label: str, action: str) -> Button:
        return (label, callbacks.encode("R", token, action))

    second = [button("📞 " + _("Contacts"), "contacts")]
    if has_deadlines:
        second.insert(0, button("🔔 " + _("Remind me"), "remind"))
    return _markup(
        [
            [button("❔ " + _("Why?"), "why"), button("✏️ " + _("Change an answer"), "change")],
            second,
        ]
    )


def change_answers(items: Sequence[tuple[str, str]], token: str) -> InlineKeyboard:
    """One button per answered question: ``(question id, label)``."""
    return _markup([("✏️ " + label, callbacks.encode("C", token, qid))] for qid, label in items)


def reminders(_: Translator, opted_in: bool) -> InlineKeyboard:
    if opted_in:
        return _markup([[("🔕 " + _("Stop reminders"), "M:off")]])
    return _markup([[("🔔 " + _("Turn on reminders"), "M:on")]])


def forget(_: Translator) -> InlineKeyboard:
    return _markup(
        [
            [("🗑 " + _("Yes, delete everything"), "F:yes")],
            [(_("No, keep my answers"), "F:no")],
        ]
    )
