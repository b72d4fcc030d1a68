"""Plan deadline reminders from an assessment: pure, with the clock passed in.

Each deadline gets a reminder on every day its outcome asks for (e.g. 7, 3 and
1 days before, and on the day) at a reasonable local hour, and one follow-up the
day after the deadline asking whether it was done. Times are computed in the
user's region's time zone (Moscow time unless we know better) and returned in
UTC for storage. Nothing is planned in the past, and never at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .rules.engine import Assessment

ReminderKind = Literal["before", "due", "followup"]

MOSCOW = "Europe/Moscow"
REGION_TIMEZONES: dict[str, str] = {
    "moscow": MOSCOW,
    "moscow_oblast": MOSCOW,
    "spb": MOSCOW,
}
"""Regions of the questionnaire → time zone. Everything else: Moscow time."""

REMINDER_TIME = time(10, 0)
"""Local time of day for reminders: after people wake, before most offices close."""


@dataclass(frozen=True)
class PlannedReminder:
    deadline_id: str
    outcome_id: str
    deadline_date: date
    remind_at: datetime
    """When to send, in UTC."""
    kind: ReminderKind
    offset_days: int
    """Days before the deadline (0 on the day, -1 for the follow-up after it)."""
    ruleset_version: str


def timezone_for(region: object) -> ZoneInfo:
    """The time zone for a `region` answer (Moscow time by default)."""
    return ZoneInfo(REGION_TIMEZONES.get(region if isinstance(region, str) else "", MOSCOW))


def local_send_time(day: date, zone: ZoneInfo, at: time = REMINDER_TIME) -> datetime:
    """`day` at the reminder hour in `zone`, as a UTC instant."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def plan_reminders(
    assessment: Assessment, now: datetime, zone: ZoneInfo | None = None, at: time = REMINDER_TIME
) -> list[PlannedReminder]:
    """Every reminder still to send for the assessment's deadlines, earliest first.

    `now` must be timezone-aware; reminders whose time has passed are left out.
    A deadline id that two outcomes share is reminded once.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = zone or timezone_for(assessment.answers.get("region"))
    planned: dict[tuple[str, date, str, int], PlannedReminder] = {}
    for deadline in assessment.deadlines:
        if not deadline.remind_days_before:
            continue
        offsets: list[tuple[int, ReminderKind]] = [
            (offset, "due" if offset == 0 else "before") for offset in deadline.remind_days_before
        ]
        offsets.append((-1, "followup"))
        for offset, kind in offsets:
            send_at = local_send_time(deadline.date - timedelta(days=offset), zone, at)
            if send_at <= now:
                continue
            key = (deadline.id, deadline.date, kind, offset)
            planned.setdefault(
                key,
                PlannedReminder(
                    deadline_id=deadline.id,
                    outcome_id=deadline.outcome_id,
                    deadline_date=deadline.date,
                    remind_at=send_at,
                    kind=kind,
                    offset_days=offset,
                    ruleset_version=assessment.ruleset_version,
                ),
            )
    return sorted(planned.values(), key=lambda r: (r.remind_at, r.deadline_id))
