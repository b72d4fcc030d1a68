"""Deadline reminders as use cases: plan them, word a due one, keep them out of the night.

Why here and not in the core: the core (:mod:`bot.core.reminders`) decides *when*
(each deadline's offsets at 10:00 in the user's region's zone, a follow-up the day
after). This module stores that plan for a user (:func:`make_planner`), words a due
reminder in the user's *current* language when it is sent (:func:`reminder_screen`,
so a language switch after planning is honoured; each channel draws it), and moves
reminders that would arrive at night — after downtime, say — to the next morning
(:func:`quiet_hours`).

The use cases call the planner when the user taps "Remind me", turns reminders on,
and whenever a result is computed again for a user who has them on. It is
idempotent: it replaces the user's scheduled reminders, and reminders already sent
are never repeated (``Storage.replace_reminders``).

Reminder buttons carry the reminder id, not a state token: a reminder is read days
later, and its buttons only *show* a question again — nothing changes until the user
answers it, so acting on today's state is safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.reminders import REMINDER_TIME, timezone_for
from bot.core.reminders import plan_reminders as plan_core
from bot.core.rules import Assessment, Ruleset
from bot.core.rules.present import format_day
from bot.i18n import Catalogs, normalize_locale
from bot.storage.interface import Storage
from bot.storage.models import DEFAULT_TIMEZONE, DueReminder, NewReminder

from .screens import Choice, ReminderDue, ReminderReply

ReminderPlanner = Callable[[int, Assessment], Awaitable[None]]
"""``await planner(user_id, assessment)``."""

DAY_STARTS = dt.time(9, 0)
DAY_ENDS = dt.time(21, 0)
"""Reminders and notices are sent only between these local times."""


async def plan_nothing(user_id: int, assessment: Assessment) -> None:
    """A planner that plans nothing (for tests of other parts)."""
    return None


def zone_of(name: str | None) -> ZoneInfo:
    """A stored zone name as a zone; Moscow for unknown or damaged names."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def planned_rows(assessment: Assessment, now: dt.datetime) -> list[NewReminder]:
    """The reminders to store for ``assessment`` from ``now`` on, in the region's zone."""
    zone = timezone_for(assessment.answers.get("region"))
    return [
        NewReminder(
            deadline_id=item.deadline_id,
            outcome_id=item.outcome_id,
            deadline_date=item.deadline_date,
            remind_at=item.remind_at,
            kind=item.kind,
            offset_days=item.offset_days,
            ruleset_version=item.ruleset_version,
            timezone=zone.key,
        )
        for item in plan_core(assessment, now, zone)
    ]


def make_planner(storage: Callable[[], Storage], now: Callable[[], dt.datetime]) -> ReminderPlanner:
    """The real planner: replace the user's scheduled reminders with the new plan.

    ``storage`` is a getter: the storage may be opened after the planner is made.
    """

    async def planner(user_id: int, assessment: Assessment) -> None:
        moment = now()
        await storage().replace_reminders(user_id, planned_rows(assessment, moment), moment)

    return planner


# --------------------------------------------------------------------------- quiet hours


def next_daytime(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime | None:
    """``None`` if it is daytime in ``zone``; else the next 10:00 there, in UTC."""
    local = now.astimezone(zone)
    if DAY_STARTS <= local.time() < DAY_ENDS:
        return None
    day = local.date() if local.time() < DAY_STARTS else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, REMINDER_TIME, tzinfo=zone).astimezone(dt.UTC)


def quiet_hours(now: Callable[[], dt.datetime]) -> Callable[[DueReminder], dt.datetime | None]:
    """The ``defer`` hook for ``queue_due_reminders``: night in the user's zone → morning."""

    def defer(reminder: DueReminder) -> dt.datetime | None:
        return next_daytime(now(), zone_of(reminder.timezone))

    return defer


# --------------------------------------------------------------------------- wording


def reminder_screen(
    reminder: DueReminder, ruleset: Ruleset, catalogs: Catalogs, now: dt.datetime
) -> ReminderDue | None:
    """The reminder as the user reads it today, or ``None`` when it is pointless now.

    Pointless: the deadline is no longer known to the ruleset, or a "before"/"on the
    day" reminder arrives after its deadline. (A "followup" is the day-after question
    of plans made before the plan stopped sending anything after a deadline.)
    """
    kind_info = ruleset.header.deadlines.get(reminder.deadline_id)
    if kind_info is None:
        return None
    locale = normalize_locale(reminder.locale)
    _ = catalogs.gettext(locale)
    today = now.astimezone(zone_of(reminder.timezone)).date()
    days = (reminder.deadline_date - today).days
    day = format_day(reminder.deadline_date, locale)
    label = kind_info.label.get(locale)
    footer = _("What to do: /status. Stop reminders: /reminders")
    if reminder.kind == "followup":
        return ReminderDue(
            title=label,
            lines=(_("Did you manage it? The deadline was {date}").format(date=day),),
            choices=(
                Choice(_("Yes, done"), ReminderReply(reminder.id, "done"), icon="✅"),
                Choice(_("Not yet"), ReminderReply(reminder.id, "notyet"), icon="⏳"),
            ),
            footer=footer,
            followup=True,
        )
    if days < 0:
        return None
    if days == 0:
        when = _("Deadline: today, {date}").format(date=day)
    elif days == 1:
        when = _("Deadline: tomorrow, {date}").format(date=day)
    else:
        when = _("Days left: {days}. Deadline: {date}").format(days=days, date=day)
    lines = [when]
    choices: tuple[Choice, ...] = ()
    if kind_info.payment:
        lines.append(_("Paid already? Tap the button and tell me the new date."))
        choices = (Choice(_("I have paid"), ReminderReply(reminder.id, "paid"), icon="💳"),)
    elif days == 0:  # the plan sends nothing after a deadline: the day itself asks
        choices = (
            Choice(_("Yes, done"), ReminderReply(reminder.id, "done"), icon="✅"),
            Choice(_("Not yet"), ReminderReply(reminder.id, "notyet"), icon="⏳"),
        )
    return ReminderDue(
        title=label, lines=tuple(lines), choices=choices, footer=footer, followup=False
    )
