"""Short screens in Telegram HTML: notices, confirmations, reminder settings, fixed pages,
admin panels."""

from __future__ import annotations

from bot.app.screens import (
    AdminPanel,
    Confirm,
    Notice,
    NoticeTone,
    ReminderDue,
    ReminderSettings,
    RulesChanged,
    TextPage,
)
from bot.delivery.payload import MessagePayload
from bot.telegram import keyboards

from .html import View, esc, views

TONE_ICONS: dict[NoticeTone, str] = {
    "info": "",
    "warning": "⚠️",
    "done": "✅",
    "deleted": "🗑",
    "reminders": "🔔",
    "waiting": "⏳",
}


def notice(screen: Notice) -> View:
    icon = TONE_ICONS.get(screen.tone, "")
    return View((f"{icon} " if icon else "") + esc(screen.text))


def confirm(screen: Confirm, token: str) -> View:
    return View(esc(screen.text), keyboards.markup(keyboards.one_per_row(screen.choices), token))


def reminder_settings(screen: ReminderSettings, token: str) -> View:
    """Whether reminders are on, and the reminders actually stored (day and deadline)."""
    keyboard = keyboards.markup([[screen.toggle]], token)
    if not screen.on:
        return View(esc(screen.status), keyboard)
    lines = ["🔔 " + esc(screen.status)]
    if screen.planned_heading is not None:
        lines.append(esc(screen.planned_heading))
        for item in screen.planned:
            lines.append("• " + esc(item.day + (f" — {item.label}" if item.label else "")))
    if screen.none_planned is not None:
        lines.append(esc(screen.none_planned))
    return View("\n".join(lines), keyboard)


def text_page(screen: TextPage) -> View:
    title = "<b>" + (f"{screen.icon} " if screen.icon else "") + esc(screen.title) + "</b>"
    body = "\n\n".join("\n".join(esc(line) for line in lines) for lines in screen.paragraphs)
    return View(title + "\n" + body)


def admin_panel(screen: AdminPanel, token: str) -> list[View]:
    """Plain lines for the admin, escaped, split to fit; the buttons under the last part."""
    keyboard = keyboards.markup(screen.rows, token) if screen.rows else None
    return views([esc("\n".join(screen.lines))], keyboard)


def rules_changed(screen: RulesChanged) -> MessagePayload:
    """The "rules were updated, your result changed" message, for the send queue."""
    lines = ["ℹ️ <b>" + esc(screen.title) + "</b>", *(esc(line) for line in screen.lines)]
    lines += ["", esc(screen.footer)]
    return MessagePayload("\n".join(lines), parse_mode="HTML")


def reminder_due(screen: ReminderDue) -> MessagePayload:
    """A reminder of a deadline (or its follow-up), for the send queue."""
    icon = "📋" if screen.followup else "🔔"
    lines = [f"{icon} <b>" + esc(screen.title) + "</b>", *(esc(line) for line in screen.lines)]
    lines += ["", esc(screen.footer)]
    keyboard = keyboards.markup([screen.choices], "") if screen.choices else None
    return MessagePayload("\n".join(lines), parse_mode="HTML", reply_markup=keyboard)
