"""The working-day calendar: the Labour Code (art. 112) for every year, decrees as data.

The 2025 and 2026 lists below are copied from shared/reference/russia-working-days.md
(the decrees as published), independently of rules/calendar.yaml: the computed
calendar with the shipped transfers must give exactly these days off.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from bot.core.rules import check_ruleset
from bot.core.rules.dates import Span, WorkingCalendar, january_weekend_days, labour_code_days_off
from bot.core.rules.model import expand_days

from ..conftest import RULES

PUBLISHED = {
    2025: (
        [
            "2025-01-01..2025-01-08", "2025-02-22..2025-02-23", "2025-03-08..2025-03-09",
            "2025-05-01..2025-05-04", "2025-05-08..2025-05-11", "2025-06-12..2025-06-15",
            "2025-11-02..2025-11-04", "2025-12-31",
        ],
        ["2025-11-01"],
    ),
    2026: (
        [
            "2026-01-01..2026-01-11", "2026-02-21..2026-02-23", "2026-03-07..2026-03-09",
            "2026-05-01..2026-05-03", "2026-05-09..2026-05-11", "2026-06-12..2026-06-14",
            "2026-11-04", "2026-12-31",
        ],
        [],
    ),
}  # fmt: skip


def d(text: str) -> date:
    return date.fromisoformat(text)


def days_of(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=n) for n in range((date(year + 1, 1, 1) - start).days)]


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_labour_code_and_the_shipped_decree_give_the_published_days_off(ruleset, year):
    ranges, working_saturdays = PUBLISHED[year]
    listed = {day for item in ranges for day in expand_days(item)}
    calendar = ruleset.calendar
    expected_off = {
        day
        for day in days_of(year)
        if day in listed or (day.weekday() >= 5 and day.isoformat() not in working_saturdays)
    }
    computed_off = {day for day in days_of(year) if not calendar.is_working_day(day)}
    assert computed_off == expected_off
    assert calendar.working_weekends(year) == [d(s) for s in working_saturdays]


def test_a_year_without_a_decree_has_the_fixed_holidays_and_the_part_2_shifts():
    calendar = WorkingCalendar()
    off_weekdays = calendar.non_working_weekdays(2027)
    assert off_weekdays == [
        *(d(f"2027-01-0{n}") for n in (1, 4, 5, 6, 7, 8)),  # 2-3 Jan are a weekend
        d("2027-02-23"),
        d("2027-03-08"),
        d("2027-05-03"),  # 1 May is a Saturday: part 2
        d("2027-05-10"),  # 9 May is a Sunday
        d("2027-06-14"),  # 12 June is a Saturday
        d("2027-11-04"),
    ]


def test_new_year_weekends_are_left_to_the_decree():
    # 2027: 2 and 3 January are a Saturday and a Sunday inside 1-8 January: no
    # part-2 shift (the decree moves them), so 11 January is a working day.
    assert WorkingCalendar().is_working_day(d("2027-01-11"))
    assert january_weekend_days(2027) == 2
    assert january_weekend_days(2022) == 3  # 1-2 and 8 January 2022


def test_a_decree_transfer_replaces_the_part_2_shift():
    # 23 February 2025 was a Sunday; the decree gave 8 May instead of 24 February.
    assert d("2025-02-24") in labour_code_days_off(2025)
    assert d("2025-02-24") not in labour_code_days_off(2025, frozenset({d("2025-02-23")}))


def test_a_deadline_in_decreed_years_cannot_move(ruleset):
    calendar = ruleset.calendar
    span = Span(d("2026-03-02"), d("2026-03-11"))
    assert calendar.may_move_days(d("2026-03-11"), [span]) is None


def test_a_count_into_a_year_without_a_decree_may_move_later(ruleset):
    calendar = ruleset.calendar
    # 7 working days from Mon 28 Dec 2026: 29, 30 Dec, then 11-15 Jan 2027.
    deadline = calendar.add_working_days(d("2026-12-28"), 7)
    assert deadline == d("2027-01-15")
    # The 2027 decree must place two days off (2-3 January); at worst inside the
    # count: two working days later, Tue 19 January.
    assert calendar.may_move_days(deadline, [Span(d("2026-12-28"), deadline)]) == 4


def test_a_count_backwards_over_a_year_without_a_decree_may_move_earlier(ruleset):
    calendar = ruleset.calendar
    deadline = calendar.add_working_days(d("2027-01-20"), -10)
    assert deadline == d("2026-12-28")  # 31 Dec 2026 is off (2026 decree), 1-10 Jan 2027 too
    span = Span(deadline, d("2027-01-20"), backwards=True)
    assert calendar.may_move_days(deadline, [span]) == 4  # at worst Thu 24 December


def write_calendar(tmp_path, text):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "calendar.yaml").write_text(text, encoding="utf-8")
    return check_ruleset(rules)[1]


def test_a_transfer_copied_wrong_is_reported_with_its_line(tmp_path):
    text = (RULES / "calendar.yaml").read_text(encoding="utf-8")
    problems = write_calendar(
        tmp_path,
        text.replace("{from: 2025-02-23, to: 2025-05-08}", "{from: 2025-02-23, to: 2025-05-07}"),
    )
    reasons = [str(p) for p in problems if not p.warning]
    assert any("2025-05-07 is a day off by the Labour Code" in r for r in reasons), reasons
    assert any("2025-05-08 is listed as a day off" in r for r in reasons), reasons
    line = next(p.line for p in problems if "2025-05-08 is listed" in p.reason)
    assert text.splitlines()[line - 1].strip() == "non_working:"


def test_rules_check_names_the_years_without_a_decree(ruleset):
    _, problems = check_ruleset(RULES)
    warnings = [p.reason for p in problems if p.warning]
    assert any(r.startswith("no decree for 2027") for r in warnings), warnings


def test_a_year_before_the_first_decree_in_the_file_is_not_said_to_move(ruleset):
    calendar = ruleset.calendar  # 2025 is the first decreed year
    span = Span(d("2024-12-20"), d("2024-12-27"))
    assert calendar.may_move_days(d("2024-12-27"), [span]) is None
