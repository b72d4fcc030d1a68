"""A due reminder as a Telegram message, worded by :func:`bot.app.reminders.reminder_screen`.

Drawn when the send queue takes the reminder, so a language switch after planning
is honoured. The buttons carry the reminder id (``D:<id>:<reply>``), not a state token.
"""

from __future__ import annotations

import datetime as dt

from bot.app.reminders import reminder_screen
from bot.core.rules import Ruleset
from bot.delivery.payload import MessagePayload
from bot.i18n import Catalogs
from bot.storage import DueReminder
from bot.telegram.render.pages import reminder_due


def render_reminder(
    reminder: DueReminder, ruleset: Ruleset, catalogs: Catalogs, now: dt.datetime
) -> MessagePayload | None:
    """The reminder as the user reads it today, or ``None`` when it is pointless now."""
    screen = reminder_screen(reminder, ruleset, catalogs, now)
    return reminder_due(screen) if screen is not None else None
