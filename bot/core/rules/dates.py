"""Date arithmetic the law needs, on calendar dates only (no hours, no time zones).

Counting follows the Russian Civil Code as summarised in
`reference/russia-working-days.md`: a term of N days "from" an event starts on
the next day (art. 191); a term that ends on a non-working day ends on the next
working day (art. 193); a term in months ends on the same day of the last month,
or on that month's last day if it has no such day (art. 192(3)). The 90-day stay
count includes the day of entry.

Working days come from the Labour Code for every year (art. 112, see
`labour_code_days_off`); only the government's yearly decree of transfers is data
(`rules/calendar.yaml`). We compute the eight fixed holidays and the part-2 shift
ourselves rather than take them from the `holidays` package: that package also
ships its own yearly transfers, which would put decree data outside the rules an
admin reviews and dates, and the part we need is ten lines of art. 112.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Literal

KEPT_YEARS = 64
"""Years whose working days a calendar keeps (`WorkingCalendar.working_days`)."""

MonthEndRule = Literal["end_of_month", "next_month_start"]
MONTH_END_RULES: tuple[str, ...] = ("end_of_month", "next_month_start")

NEW_YEAR_HOLIDAYS: tuple[tuple[int, int], ...] = tuple((1, day) for day in range(1, 9))
"""1–6 and 8 January (New Year holidays) and 7 January (Christmas): art. 112 part 1."""
FIXED_HOLIDAYS: tuple[tuple[int, int], ...] = (
    *NEW_YEAR_HOLIDAYS,
    (2, 23),  # Defender of the Fatherland Day
    (3, 8),  # International Women's Day
    (5, 1),  # Spring and Labour Day
    (5, 9),  # Victory Day
    (6, 12),  # Russia Day
    (11, 4),  # Unity Day
)
"""Non-working public holidays of the Labour Code, art. 112 part 1 (month, day)."""


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def fixed_holidays(year: int) -> tuple[date, ...]:
    """The art. 112 part 1 holidays of `year`."""
    return tuple(date(year, month, day) for month, day in FIXED_HOLIDAYS)


@cache
def labour_code_days_off(year: int, replaced: frozenset[date] = frozenset()) -> frozenset[date]:
    """The holidays of `year` and the days off that art. 112 part 2 adds.

    Part 2: when a weekend day falls on a holiday, the day off moves to the next
    working day after the holiday, except for weekend days within 1–8 January
    (the government moves those by its decree, part 5). `replaced` are holidays
    whose day off the year's decree moved elsewhere instead (2025: 23 February was
    a Sunday and the decree gave 8 May, not 24 February); they get no part-2 shift.
    """
    holidays = set(fixed_holidays(year))
    days_off = set(holidays)
    for holiday in sorted(holidays):
        if not _is_weekend(holiday) or (holiday.month, holiday.day) in NEW_YEAR_HOLIDAYS:
            continue
        if holiday in replaced:
            continue
        shifted = holiday + timedelta(days=1)
        while _is_weekend(shifted) or shifted in days_off:
            shifted += timedelta(days=1)
        days_off.add(shifted)
    return frozenset(days_off)


@cache
def january_weekend_days(year: int) -> int:
    """Weekend days within 1–8 January: the days off the year's decree must move
    elsewhere (art. 112 part 5). Eight days in a row hold two or three of them.
    Kept per year: every deadline that may move asks again."""
    return sum(1 for month, day in NEW_YEAR_HOLIDAYS if _is_weekend(date(year, month, day)))


@dataclass(frozen=True)
class Transfer:
    """One transfer of the yearly decree: the day off of `from_day` moves to `to_day`.

    `from_day` is a weekend day: a holiday's (the decree then replaces the part-2
    shift) or a plain Saturday or Sunday, which becomes a working day.
    """

    from_day: date
    to_day: date


@dataclass(frozen=True)
class Span:
    """The days a working-day count looked at, and which way it counted."""

    first: date
    last: date
    backwards: bool = False


@dataclass(frozen=True)
class WorkingCalendar:
    """Russia's production calendar: weekends, the Labour Code's holidays, decrees.

    Every year is counted with the fixed holidays and the part-2 shifts. `years`
    are those whose decree is known (its transfers are in `transfers`); for any
    other year the transfers are unknown, and `may_move_days` says how far that
    can move a deadline.
    """

    transfers: tuple[Transfer, ...] = ()
    years: frozenset[int] = field(default_factory=frozenset)
    _moved_to: frozenset[date] = field(init=False, repr=False, compare=False)
    _worked: frozenset[date] = field(init=False, repr=False, compare=False)
    _replaced: dict[int, frozenset[date]] = field(init=False, repr=False, compare=False)
    _working_days: dict[int, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = {d for t in self.transfers for d in fixed_holidays(t.from_day.year)}
        object.__setattr__(self, "_moved_to", frozenset(t.to_day for t in self.transfers))
        object.__setattr__(
            self,
            "_worked",
            frozenset(t.from_day for t in self.transfers if t.from_day not in holidays),
        )
        replaced: dict[int, set[date]] = {}
        for t in self.transfers:
            if t.from_day in holidays:
                replaced.setdefault(t.from_day.year, set()).add(t.from_day)
        object.__setattr__(
            self, "_replaced", {year: frozenset(days) for year, days in replaced.items()}
        )
        object.__setattr__(self, "_working_days", {})

    @classmethod
    def build(cls, years: Iterable[int], transfers: Iterable[Transfer]) -> WorkingCalendar:
        return cls(tuple(transfers), frozenset(years))

    def is_decreed(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        if day in self._worked:
            return True
        if day in self._moved_to:
            return False
        if day in labour_code_days_off(day.year, self._replaced.get(day.year, frozenset())):
            return False
        return not _is_weekend(day)

    def non_working_weekdays(self, year: int) -> list[date]:
        """Monday-to-Friday days off of `year` (holidays, shifts, transfers)."""
        start = date(year, 1, 1)
        days = (start + timedelta(days=n) for n in range(366))
        return [
            d for d in days if d.year == year and not _is_weekend(d) and not self.is_working_day(d)
        ]

    def working_weekends(self, year: int) -> list[date]:
        return sorted(d for d in self._worked if d.year == year)

    def working_days(self, year: int) -> tuple[int, ...]:
        """The working days of `year` as ordinals, in order: a count of working days
        is then a step along this list rather than a test of every day it passes.
        Kept for the last few dozen years asked (a date can be any year)."""
        days = self._working_days.get(year)
        if days is None:
            if len(self._working_days) >= KEPT_YEARS:
                self._working_days.clear()
            first = date(year, 1, 1).toordinal()
            every = range(first, date(year, 12, 31).toordinal() + 1)
            days = tuple(n for n in every if self.is_working_day(date.fromordinal(n)))
            self._working_days[year] = days
        return days

    def _working_day_at(self, year: int, index: int) -> date:
        """The `index`-th working day of `year` (from 0), counting on into the years
        after it for an index past its last, back into those before for a negative one."""
        days = self.working_days(year)
        while index >= len(days):
            index -= len(days)
            year += 1
            days = self.working_days(year)
        while index < 0:
            year -= 1
            days = self.working_days(year)
            index += len(days)
        return date.fromordinal(days[index])

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, otherwise the first working day after it."""
        return self._working_day_at(
            day.year, bisect_left(self.working_days(day.year), day.toordinal())
        )

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (before it, for a negative count).

        `count == 0` gives `day` rolled forward to a working day.
        """
        if count == 0:
            return self.next_working_day(day)
        days, ordinal = self.working_days(day.year), day.toordinal()
        if count > 0:  # the working days after `day` start at bisect_right
            return self._working_day_at(day.year, bisect_right(days, ordinal) + count - 1)
        # those before it end just before bisect_left
        return self._working_day_at(day.year, bisect_left(days, ordinal) + count)

    def may_move_days(self, deadline: date, spans: Iterable[Span]) -> int | None:
        """How many days a deadline could move once the missing decrees are known.

        `spans` are the counts the deadline was computed with. A count over a year
        without a decree may meet that year's unknown transfers: the days off of the
        January weekends (`january_weekend_days`) land on other, unknown days. In the
        worst case they all land inside the count, which pushes a count forward that
        many working days later and a count backwards that many earlier. None when
        no count touches such a year. Years before the first decreed one are past:
        their decrees exist but are not in the file, so "may move" would mislead. (A decree can also make a Saturday a working
        day, as in 2025; that could bring a deadline a day earlier and is not counted.)
        """
        forward = backward = False
        years: set[int] = set()
        first = min(self.years, default=None)
        for span in spans:
            touched = {
                y
                for y in range(span.first.year, span.last.year + 1)
                if y not in self.years and (first is None or y > first)
            }
            if touched:
                years |= touched
                backward |= span.backwards
                forward |= not span.backwards
        if not years:
            return None
        moved = sum(january_weekend_days(y) for y in years)
        later = (self.add_working_days(deadline, moved) - deadline).days if forward else 0
        earlier = (deadline - self.add_working_days(deadline, -moved)).days if backward else 0
        return max(later, earlier) or None


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
