"""The calendar file (.ics): every deadline as an all-day event with alarms on the phone.

Why a file and not only the bot's reminders: a phone's calendar reminds the person
even when Telegram is blocked and no VPN is on. Built with the ``icalendar`` library
(RFC 5545), never by hand.

What the file holds, and why:

- one all-day event per deadline id (see :mod:`bot.export.deadlines`), marked free
  (``TRANSP:TRANSPARENT``) and private (``CLASS:PRIVATE``);
- a display alarm at ``alarm_time`` (09:00 phone time by default, not midnight) on each
  day before the deadline that the ruleset gives for reminders, except days already
  past on the day the file is made (``assessment.as_of``);
- titles and texts are **neutral** by default: phones are looked through at the
  border, so the title says only "Deadline: <date>" and the description only where to
  find the details. ``detailed=True`` gives the deadline's name as the title and the
  steps, the ruleset's notes and its disclaimer in the description;
- a ``UID`` per deadline that does not depend on the person, the date, the language or
  the day the file is made (see :func:`deadline_uid`), with ``SEQUENCE`` and
  ``DTSTAMP``/``LAST-MODIFIED`` taken from ``made_at``: importing a newer file updates
  the event the older file made instead of adding a second one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.core.rules import Assessment, Ruleset
from bot.core.rules.present import format_day
from bot.i18n import Catalogs, Translator, gettext, normalize_locale

from .deadlines import Deadline, deadline_words, merged_deadlines

if TYPE_CHECKING:  # icalendar is imported where a file is made: the bot starts without it
    from icalendar import Event

CALENDAR_MEDIA_TYPE = "text/calendar"
CALENDAR_FILENAME = "calendar.ics"
"""A file name that tells nothing about what is inside (it shows in downloads)."""
PRODID = "-//Hamroh//Deadlines//EN"
SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""``SEQUENCE`` counts minutes from here, so a file made later always has a higher one."""
DEFAULT_ALARM_TIME = time(9, 0)


def deadline_uid(deadline_id: str, ruleset: Ruleset) -> str:
    """The ``UID`` of a deadline's event: the same in every file, for every person.

    Built from the ruleset's identity (its ``ruleset`` name and ``jurisdiction``) and
    the deadline id, hashed so that the id (``patent_payment``) does not show either.
    It changes only when the deadline id is renamed or the ruleset becomes another
    ruleset (another name or jurisdiction). It does **not** change with the date
    (a paid patent month moves the event), the outcome that set it (a renewal that
    becomes urgent is still one event), the language, the title mode, the ruleset's
    version or the day the file is made.
    """
    header = ruleset.header
    key = "\x1f".join((header.ruleset, header.jurisdiction, deadline_id))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@hamroh"


def _calendar_uid(ruleset: Ruleset) -> str:
    header = ruleset.header
    key = "\x1f".join((header.ruleset, header.jurisdiction, "calendar"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@hamroh"


def sequence_number(made_at: datetime) -> int:
    """``SEQUENCE`` for a file made at ``made_at``: grows with time, never negative."""
    return max(0, int((made_at - SEQUENCE_EPOCH).total_seconds()) // 60)


def _when(_: Translator, deadline: date, alarm_day: date, locale: str) -> str:
    """What an alarm on ``alarm_day`` says about the deadline (neutral words)."""
    shown = format_day(deadline, locale)
    days = (deadline - alarm_day).days
    if days == 0:
        return _("Deadline: today, {date}").format(date=shown)
    if days == 1:
        return _("Deadline: tomorrow, {date}").format(date=shown)
    return _("Days left: {days}. Deadline: {date}").format(days=days, date=shown)


def _event(
    deadline: Deadline,
    assessment: Assessment,
    ruleset: Ruleset,
    locale: str,
    _: Translator,
    *,
    made_at: datetime,
    detailed: bool,
    alarm_time: time,
) -> Event:
    shown = format_day(deadline.date, locale)
    neutral_title = _("Deadline: {date}").format(date=shown)
    if detailed:
        words = deadline_words(deadline, assessment, ruleset, locale)
        summary = words.label
        parts = [words.label, neutral_title, *words.notes]
        if words.steps:
            parts.append(_("What to do:") + "\n" + "\n".join(f"• {s}" for s in words.steps))
        parts.append(ruleset.header.disclaimer.get(locale))
        description = "\n\n".join(parts)
    else:
        summary = neutral_title
        description = neutral_title + "\n\n" + _("Open Hamroh for the details.")
    from icalendar import CLASS, TRANSP, Alarm, Event

    stamp = made_at.astimezone(UTC)
    event = Event.new(
        uid=deadline_uid(deadline.id, ruleset),
        start=deadline.date,
        end=deadline.date + timedelta(days=1),
        summary=summary,
        description=description,
        sequence=sequence_number(made_at),
        stamp=stamp,
        last_modified=stamp,
        transparency=TRANSP.TRANSPARENT,
        classification=CLASS.PRIVATE,
    )
    at_time = timedelta(hours=alarm_time.hour, minutes=alarm_time.minute)
    for days_before in deadline.remind_days_before:
        alarm_day = deadline.date - timedelta(days=days_before)
        if alarm_day < assessment.as_of:
            continue
        text = _when(_, deadline.date, alarm_day, locale)
        if detailed:
            text = f"{summary}: {text}"
        event.add_component(
            Alarm.new_display(description=text, trigger=timedelta(days=-days_before) + at_time)
        )
    return event


def calendar_file(
    assessment: Assessment,
    ruleset: Ruleset,
    locale: str,
    *,
    made_at: datetime,
    detailed: bool = False,
    catalogs: Catalogs | None = None,
    alarm_time: time = DEFAULT_ALARM_TIME,
) -> bytes:
    """The .ics file (UTF-8 bytes) with one event per deadline of ``assessment``.

    ``made_at`` is the moment the file is made (timezone-aware; the caller reads the
    clock). ``detailed`` chooses the deadline's name as title and the steps in the
    description instead of neutral words. An assessment without deadlines gives a
    valid calendar with no events.
    """
    if made_at.tzinfo is None:
        raise ValueError("made_at must be timezone-aware")
    locale = normalize_locale(locale)
    _ = gettext(locale, catalogs)
    from icalendar import Calendar

    calendar = Calendar.new(
        prodid=PRODID,
        name=_("Deadlines"),
        method="PUBLISH",
        uid=_calendar_uid(ruleset),
    )
    for deadline in merged_deadlines(assessment):
        calendar.add_component(
            _event(
                deadline,
                assessment,
                ruleset,
                locale,
                _,
                made_at=made_at,
                detailed=detailed,
                alarm_time=alarm_time,
            )
        )
    return bytes(calendar.to_ical())
