"""Date arithmetic the law needs, on calendar dates only (no hours, no time zones).

Counting follows the Russian Civil Code as summarised in
`reference/russia-working-days.md`: a term of N days "from" an event starts on
the next day (art. 191); a term that ends on a non-working day ends on the next
working day (art. 193); a term in months ends on the same day of the last month,
or on that month's last day if it has no such day (art. 192(3)). The 90-day stay
count includes the day of entry.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

MonthEndRule = Literal["end_of_month", "next_month_start"]
MONTH_END_RULES: tuple[str, ...] = ("end_of_month", "next_month_start")


@dataclass(frozen=True)
class WorkingCalendar:
    """Russia's production calendar: weekends, official holidays and transfers.

    Years not listed fall back to Saturday and Sunday only; `covers` tells which
    years are official so the admin check can warn before a year runs out.
    """

    non_working: frozenset[date] = field(default_factory=frozenset)
    working_weekends: frozenset[date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls, years: Iterable[int], non_working: Iterable[date], working_weekends: Iterable[date]
    ) -> WorkingCalendar:
        return cls(frozenset(non_working), frozenset(working_weekends), frozenset(years))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        if day in self.non_working:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (before it, for a negative count).

        `count == 0` gives `day` rolled forward to a working day.
        """
        if count == 0:
            return self.next_working_day(day)
        step = timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def add_months(day: date, months: int, rule: str) -> date:
    """Add calendar months with an explicit rule for a missing day (31 Jan + 1 month).

    `end_of_month`: the last day of the target month (Civil Code art. 192(3)).
    `next_month_start`: the first day of the month after the target month.
    """
    if rule not in MONTH_END_RULES:
        raise ValueError(f"month-end rule must be one of {', '.join(MONTH_END_RULES)}")
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _calendar.monthrange(year, month)[1]
    if day.day <= last:
        return date(year, month, day.day)
    if rule == "end_of_month":
        return date(year, month, last)
    return date(year, month, last) + timedelta(days=1)


def days_between(start: date, end: date) -> int:
    """Whole days from `start` to `end` (negative if `end` is earlier)."""
    return (end - start).days


def days_in_russia_this_year(entry: date, earlier_days: int, as_of: date) -> int:
    """Days spent in Russia in `as_of`'s calendar year, counting the entry day and `as_of`.

    `earlier_days` are days of earlier trips this year; they only count when the
    current stay began in the same year (a new budget starts on 1 January).
    """
    if as_of < entry:
        return max(earlier_days, 0) if entry.year == as_of.year else 0
    year_start = date(as_of.year, 1, 1)
    earlier = max(earlier_days, 0) if entry.year == as_of.year else 0
    return earlier + (as_of - max(entry, year_start)).days + 1


def stay_limit_date(entry: date, earlier_days: int, limit: int) -> date:
    """The last lawful day of a visa-free stay under "`limit` days per calendar year".

    Two limits apply together: at most `limit` days in the calendar year (the
    earlier trips of the entry year count) and at most `limit` days in a row.
    A stay that crosses 1 January gets a fresh yearly budget on that day, so only
    the continuous limit can end it after New Year. The entry day is day 1.
    """
    continuous_end = entry + timedelta(days=limit - 1)
    left_this_year = limit - max(earlier_days, 0)
    if left_this_year <= 0:
        return entry - timedelta(days=1)
    yearly_end = entry + timedelta(days=left_this_year - 1)
    if yearly_end.year > entry.year:
        return continuous_end
    return min(yearly_end, continuous_end)
