"""Plan deadline reminders from an assessment: pure, with the clock passed in.

Each deadline gets a reminder on every day its outcome asks for (e.g. 7, 3 and
1 days before) and always one on the day itself, which also asks whether it was
done, at a reasonable local hour. Times are computed in the user's region's time
zone (Moscow time unless we know better) and returned in UTC for storage.

Three promises: nothing is planned in the past; nothing is planned after the
deadline it is for (a question asked once it is too late helps nobody, so the
day itself asks it); and no two reminders fall on the same day: when deadlines
crowd together, the earlier deadline keeps its days and a later one's reminder
moves to the nearest free day before, or is left out when none is left.
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


MAX_SHIFT_DAYS = 3
"""How far a reminder may move earlier to find a free day."""


def plan_reminders(
    assessment: Assessment, now: datetime, zone: ZoneInfo | None = None, at: time = REMINDER_TIME
) -> list[PlannedReminder]:
    """Every reminder still to send for the assessment's deadlines, earliest first.

    `now` must be timezone-aware; reminders whose time has passed are left out.
    A deadline id that two outcomes share is reminded once. A deadline whose
    outcome asks for no reminders gets none.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = zone or timezone_for(assessment.answers.get("region"))
    taken: set[date] = set()
    seen: set[tuple[str, date]] = set()
    planned: list[PlannedReminder] = []
    for deadline in sorted(assessment.deadlines, key=lambda d: (d.date, d.id)):
        if not deadline.remind_days_before or (deadline.id, deadline.date) in seen:
            continue
        seen.add((deadline.id, deadline.date))
        for offset in sorted({0, *deadline.remind_days_before}):  # the day itself first
            day = _free_day(deadline.date - timedelta(days=offset), taken, now, zone, at)
            if day is None:
                continue
            taken.add(day)
            days_before = (deadline.date - day).days
            planned.append(
                PlannedReminder(
                    deadline_id=deadline.id,
                    outcome_id=deadline.outcome_id,
                    deadline_date=deadline.date,
                    remind_at=local_send_time(day, zone, at),
                    kind="due" if days_before == 0 else "before",
                    offset_days=days_before,
                    ruleset_version=assessment.ruleset_version,
                )
            )
    return sorted(planned, key=lambda r: (r.remind_at, r.deadline_id))


def _free_day(
    wanted: date, taken: set[date], now: datetime, zone: ZoneInfo, at: time
) -> date | None:
    """`wanted`, or the nearest earlier day without a reminder; None if all are taken
    or already past."""
    for shift in range(MAX_SHIFT_DAYS + 1):
        day = wanted - timedelta(days=shift)
        if local_send_time(day, zone, at) <= now:
            return None
        if day not in taken:
            return day
    return None
