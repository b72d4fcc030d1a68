"""Build the working-day calendar from `calendar.yaml` and check it against the law.

The Labour Code's holidays are computed (`dates.labour_code_days_off`); the file
holds each year's decree. A decree's published lists of days off, when given,
must equal what the holidays and its transfers give: a transfer copied wrong is
reported with its line instead of silently moving deadlines.
"""

from __future__ import annotations

from datetime import date

from .dates import Transfer, WorkingCalendar, fixed_holidays
from .model import CalendarFile, CalendarYear, expand_days
from .yaml_files import Collector, RuleFile


def build_calendar(file: RuleFile, model: CalendarFile, out: Collector) -> WorkingCalendar:
    transfers: list[Transfer] = []
    for year, entry in model.calendar.items():
        for index, item in enumerate(entry.transfers):
            line = file.line(("calendar", year, "transfers", index))
            if item.from_day.year != year or item.to_day.year != year:
                out.add(file, line, f"a transfer of the {year} decree must stay within {year}")
            if item.from_day.weekday() < 5:
                out.add(
                    file,
                    line,
                    f"{item.from_day.isoformat()} is not a Saturday or Sunday: a decree moves "
                    "the day off of a weekend day",
                )
            if item.to_day.weekday() >= 5 or item.to_day in fixed_holidays(year):
                out.add(
                    file,
                    line,
                    f"{item.to_day.isoformat()} is already a day off: a transfer moves the day "
                    "off to a working day",
                )
            transfers.append(Transfer(item.from_day, item.to_day))
    calendar = WorkingCalendar.build(model.calendar.keys(), transfers)
    for year, entry in model.calendar.items():
        _check_published(file, year, entry, calendar, out)
    return calendar


def _check_published(
    file: RuleFile, year: int, entry: CalendarYear, calendar: WorkingCalendar, out: Collector
) -> None:
    """The decree's published lists, if written, must match the computed calendar."""
    if entry.non_working:
        listed: set[date] = set()
        for index, item in enumerate(entry.non_working):
            for day in expand_days(item):
                if day.year != year:
                    out.add(
                        file,
                        file.line(("calendar", year, "non_working", index)),
                        f"{day.isoformat()} is not in {year}",
                    )
                listed.add(day)
        line = file.line(("calendar", year, "non_working"))
        for day in sorted(listed):
            if calendar.is_working_day(day):
                out.add(
                    file,
                    line,
                    f"{day.isoformat()} is listed as a day off, but the Labour Code and the "
                    f"transfers of {year} make it a working day: check the transfers",
                )
        for day in calendar.non_working_weekdays(year):
            if day not in listed:
                out.add(
                    file,
                    line,
                    f"{day.isoformat()} is a day off by the Labour Code and the transfers of "
                    f"{year}, but not listed: check the transfers",
                )
    computed_worked = calendar.working_weekends(year)
    for index, day in enumerate(entry.working_weekends):
        if day.weekday() < 5:
            out.add(
                file,
                file.line(("calendar", year, "working_weekends", index)),
                f"{day.isoformat()} is not a Saturday or Sunday",
            )
        elif day not in computed_worked:
            out.add(
                file,
                file.line(("calendar", year, "working_weekends", index)),
                f"{day.isoformat()} is listed as a working weekend, but no transfer moves "
                "its day off",
            )
    if entry.working_weekends or entry.non_working:
        for day in computed_worked:
            if day not in entry.working_weekends:
                out.add(
                    file,
                    file.line(("calendar", year)),
                    f"the transfers make {day.isoformat()} a working day; add it to "
                    "working_weekends",
                )


def missing_decrees(calendar: WorkingCalendar, reviewed: date) -> list[int]:
    """Years from the first decreed one to the year after `reviewed` that have no decree."""
    if not calendar.years:
        return [reviewed.year, reviewed.year + 1]
    first = min(calendar.years)
    return [y for y in range(first, reviewed.year + 2) if y not in calendar.years]
