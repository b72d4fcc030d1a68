"""Date arithmetic the law needs: month ends, leap days, working days, 90 days."""

import random
from datetime import date, timedelta

import pytest

from bot.core.rules.dates import (
    WorkingCalendar,
    add_months,
    days_in_russia_this_year,
    stay_limit_date,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "months", "rule", "expected"),
    [
        ("2025-01-31", 1, "end_of_month", "2025-02-28"),  # no 31 February: last day
        ("2024-01-31", 1, "end_of_month", "2024-02-29"),  # leap year
        ("2025-01-31", 1, "next_month_start", "2025-03-01"),
        ("2025-01-31", 2, "end_of_month", "2025-03-31"),  # the day exists: kept
        ("2024-02-29", 12, "end_of_month", "2025-02-28"),  # leap day + 1 year
        ("2024-02-29", 12, "next_month_start", "2025-03-01"),
        ("2024-02-29", 48, "end_of_month", "2028-02-29"),
        ("2025-12-15", 2, "end_of_month", "2026-02-15"),  # across a new year
        ("2025-03-31", -1, "end_of_month", "2025-02-28"),
    ],
)
def test_add_months_states_its_month_end_rule(start, months, rule, expected):
    assert add_months(d(start), months, rule) == d(expected)


def test_add_months_rejects_an_unknown_rule():
    with pytest.raises(ValueError, match="month-end rule"):
        add_months(d("2025-01-31"), 1, "clamp")


def test_working_days_skip_the_may_2025_holidays(ruleset):
    calendar = ruleset.calendar
    # Arrival Mon 28 Apr: 29, 30 Apr, (1-4 May off), 5, 6, 7, (8-11 off), 12, 13 May.
    assert calendar.add_working_days(d("2025-04-28"), 7) == d("2025-05-13")


def test_a_holiday_rolls_to_the_next_working_day(ruleset):
    calendar = ruleset.calendar
    assert calendar.next_working_day(d("2025-06-12")) == d("2025-06-16")  # Russia Day weekend
    assert calendar.next_working_day(d("2026-01-01")) == d("2026-01-12")  # New Year holidays
    assert calendar.next_working_day(d("2025-06-11")) == d("2025-06-11")


def _count_day_by_day(calendar: WorkingCalendar, day: date, count: int) -> date:
    """A count of working days as the Labour Code reads: each day tested in turn."""
    while count == 0 and not calendar.is_working_day(day):
        day += timedelta(days=1)
    step = timedelta(days=1 if count > 0 else -1)
    for _ in range(abs(count)):
        day += step
        while not calendar.is_working_day(day):
            day += step
    return day


@pytest.mark.parametrize("decreed", [True, False])
def test_a_count_of_working_days_is_the_count_day_by_day(ruleset, decreed):
    """Counts forwards, backwards and zero, from working days and days off, within a
    year and across New Year, under the shipped decrees and under none."""
    calendar = ruleset.calendar if decreed else WorkingCalendar()
    rng = random.Random(decreed)
    starts = [d("2025-12-31"), d("2026-01-01"), d("2026-01-11"), d("2025-05-01")]
    starts += [d("2024-01-01") + timedelta(days=rng.randrange(5 * 366)) for _ in range(300)]
    for start in starts:
        for count in (0, 1, -1, 7, -7, rng.randrange(-400, 400)):
            expected = _count_day_by_day(calendar, start, count)
            assert calendar.add_working_days(start, count) == expected, (start, count)
        assert calendar.next_working_day(start) == _count_day_by_day(calendar, start, 0)


def test_a_count_past_the_last_date_is_an_error():
    with pytest.raises((ValueError, OverflowError)):
        WorkingCalendar().add_working_days(date(9999, 12, 1), 40)
    with pytest.raises((ValueError, OverflowError)):
        WorkingCalendar().add_working_days(date(1, 1, 20), -40)


def test_a_transferred_saturday_is_a_working_day(ruleset):
    calendar = ruleset.calendar
    assert calendar.is_working_day(d("2025-11-01"))  # Saturday, worked for 3 November
    assert not calendar.is_working_day(d("2025-11-03"))
    assert not calendar.is_working_day(d("2025-12-31"))


def test_negative_working_days_count_backwards(ruleset):
    calendar = ruleset.calendar
    # Ten working days before Fri 30 Jan 2026 (1-11 January are holidays).
    assert calendar.add_working_days(d("2026-01-30"), -10) == d("2026-01-16")


def test_years_without_a_decree_still_have_the_labour_code_holidays():
    calendar = WorkingCalendar()
    assert calendar.next_working_day(d("2030-01-05")) == d("2030-01-09")  # 1-8 Jan are holidays
    assert calendar.next_working_day(d("2030-01-12")) == d("2030-01-14")  # Sat → Mon


@pytest.mark.parametrize(
    ("entry", "earlier", "expected_last_day"),
    [
        ("2025-01-01", 0, "2025-03-31"),  # day 1 = 1 Jan, day 90 = 31 Mar
        ("2025-03-01", 60, "2025-03-30"),  # 30 days left this year
        ("2025-12-01", 0, "2026-02-28"),  # a fresh budget on 1 Jan; 90 in a row ends it
        ("2025-11-01", 30, "2025-12-30"),  # the yearly budget ends it before New Year
        ("2025-06-01", 90, "2025-05-31"),  # nothing left: unlawful from the entry day
    ],
)
def test_last_lawful_day_under_90_days_a_year(entry, earlier, expected_last_day):
    assert stay_limit_date(d(entry), earlier, 90) == d(expected_last_day)


def test_days_in_russia_count_the_entry_day_and_reset_on_new_year():
    assert days_in_russia_this_year(d("2025-01-01"), 0, d("2025-03-31")) == 90
    assert days_in_russia_this_year(d("2025-01-01"), 0, d("2025-04-01")) == 91
    assert days_in_russia_this_year(d("2025-03-01"), 10, d("2025-03-01")) == 11
    assert days_in_russia_this_year(d("2025-12-20"), 40, d("2026-01-05")) == 5
