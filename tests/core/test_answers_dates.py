"""Dates as people type them, in every locale: numbers, words, "yesterday", "3 weeks ago".

Today is 1 December 2026 in these tests, so a day typed without a year has to
pick the right year: the past for an entry date, the future for "paid until".
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.answers import MAX_INPUT, ParseError, parse_date, parse_iso_date

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "allowed", "expected"),
    [
        ("20.11", "past", "2026-11-20"),  # an entry typed in December: this year
        ("20.11", "any", "2026-11-20"),
        ("9.01", "future", "2027-01-09"),  # paid until 9 January: next year
        ("09.01", "any", "2027-01-09"),  # nearer to today than last January
        ("9 января", "future", "2027-01-09"),
        ("9 января", "past", "2026-01-09"),
        ("9-январь", "future", "2027-01-09"),  # ky
        ("9 январ", "future", "2027-01-09"),  # tg, uz_Cyrl
        ("9-yanvar", "future", "2027-01-09"),  # uz
        ("1 декабря", "past", "2026-12-01"),  # today is not the future
        ("2.12", "past", "2025-12-02"),  # tomorrow's day and month, but a past question
        ("30.11", "future", "2027-11-30"),
    ],
)
def test_a_date_without_a_year_takes_the_year_that_fits_the_question(typed, allowed, expected):
    assert parse_date(typed, TODAY, allowed) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    "typed",
    [
        "20.11.2026",
        "20,11,2026",
        "20, 11, 2026",
        "20/11/2026",
        "20-11-2026",
        "20 11 2026",
        "20.11.26",
        "2026-11-20",
        "20.11.2026г",
        "20.11.2026г.",
        "20.11.2026 г.",
        "20.11.2026 года",
        "20.11.2026-ж.",
        "20.11.2026 сол",
        "20.11.2026-yil",
        "20.11.2026 йил",
        "20 ноября 2026",
        "20 ноября 2026 г.",  # ru, as the bot writes it
        "2026-жылдын 20-ноябрында",  # ky, as the bot writes it
        "20-ноябрь 2026",
        "20 ноябри соли 2026",  # tg, as the bot writes it
        "20 ноябр 2026",
        "2026-yil 20-noyabr",  # uz, as the bot writes it
        "20 noyabr 2026",
        "2026 йил 20 ноябр",  # uz_Cyrl, as the bot writes it
    ],
)
def test_the_usual_numeric_and_written_forms(typed):
    assert parse_date(typed, TODAY) == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("typed", "days_before"),
    [
        # ru
        ("сегодня", 0),
        ("вчера", 1),
        ("позавчера", 2),
        ("3 дня назад", 3),
        ("3 недели назад", 21),
        ("неделю назад", 7),
        ("две недели назад", 14),
        # ky
        ("бүгүн", 0),
        ("кечээ", 1),
        ("кече", 1),
        ("мурдагы күнү", 2),
        ("мурдагы куну", 2),  # typed without ү
        ("3 күн мурун", 3),
        ("3 жума мурун", 21),
        ("үч жума мурун", 21),
        ("3 апта мурун", 21),
        # tg
        ("имрӯз", 0),
        ("дирӯз", 1),
        ("дируз", 1),  # typed without ӯ
        ("парерӯз", 2),
        ("3 рӯз пеш", 3),
        ("3 ҳафта пеш", 21),
        ("3 хафта пеш", 21),  # х for ҳ
        ("се ҳафта пеш", 21),
        # uz Latin
        ("bugun", 0),
        ("kecha", 1),
        ("oʻtgan kuni", 2),
        ("o'tgan kuni", 2),  # ASCII apostrophe
        ("otgan kuni", 2),
        ("avvalgi kuni", 2),
        ("3 kun oldin", 3),
        ("3 hafta oldin", 21),
        ("3 hafta avval", 21),
        ("uch hafta oldin", 21),
        # uz Cyrillic
        ("бугун", 0),
        ("кеча", 1),
        ("ўтган куни", 2),
        ("утган куни", 2),  # у for ў
        ("аввалги куни", 2),
        ("3 ҳафта олдин", 21),
        ("3 кун аввал", 3),
    ],
)
def test_days_before_today_in_words(typed, days_before):
    assert parse_date(typed, TODAY, "past") == date.fromordinal(TODAY.toordinal() - days_before)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3 месяца назад", "2026-09-01"),
        ("3 ай мурун", "2026-09-01"),
        ("3 моҳ пеш", "2026-09-01"),
        ("3 oy oldin", "2026-09-01"),
        ("3 ой олдин", "2026-09-01"),
        ("год назад", "2025-12-01"),
    ],
)
def test_months_and_years_before_today(typed, expected):
    assert parse_date(typed, TODAY, "past") == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("typed", "days_after"),
    [
        ("завтра", 1),
        ("послезавтра", 2),
        ("через 3 дня", 3),
        ("эртең", 1),
        ("3 күндөн кийин", 3),
        ("фардо", 1),
        ("3 рӯз баъд", 3),
        ("ertaga", 1),
        ("3 kundan keyin", 3),
        ("эртага", 1),
        ("3 кундан кейин", 3),
    ],
)
def test_days_after_today_in_words(typed, days_after):
    assert parse_date(typed, TODAY, "future") == date.fromordinal(TODAY.toordinal() + days_after)


@pytest.mark.parametrize(
    ("typed", "allowed", "code"),
    [
        ("31.02.2025", "any", "no_such_day"),
        ("31.04", "any", "no_such_day"),
        ("20.13.2026", "any", "no_such_month"),
        ("вчера", "future", "date_in_past"),
        ("кечээ", "future", "date_in_past"),
        ("3 hafta oldin", "future", "date_in_past"),
        ("завтра", "past", "date_in_future"),
        ("02.12.2026", "past", "date_in_future"),
        ("99999 лет назад", "past", "not_a_date"),
        ("1000000 дней назад", "past", "not_a_date"),
        ("привет", "any", "not_a_date"),
        ("😀😀😀", "any", "not_a_date"),
        ("20.11 😀", "any", "not_a_date"),
        ("", "any", "not_a_date"),
        ("   ", "any", "not_a_date"),
        ("x" * 5000, "any", "not_a_date"),
        ("9" * 5000, "any", "not_a_date"),
        ("1.1.1900", "any", "date_too_early"),
        ("1.1.2099", "any", "date_too_late"),
    ],
)
def test_what_is_not_a_usable_date_says_why(typed, allowed, code):
    result = parse_date(typed, TODAY, allowed)
    assert isinstance(result, ParseError), result
    assert result.code == code


def test_a_wrong_day_names_the_year_it_assumed():
    assert parse_date("31.04", TODAY) == ParseError(
        "no_such_day", {"day": 31, "month": 4, "year": 2026}
    )


def test_a_date_on_the_wrong_side_of_today_carries_the_date_for_the_message():
    assert parse_date("вчера", TODAY, "future") == ParseError(
        "date_in_past", {"date": date(2026, 11, 30)}
    )


def test_input_just_under_the_limit_is_still_read():
    typed = "20.11.2026".center(MAX_INPUT)
    assert parse_date(typed, TODAY) == date(2026, 11, 20)


@pytest.mark.parametrize("allowed", ["any", "past", "future"])
def test_a_stored_iso_date_reads_as_parse_date_reads_it(allowed):
    """The stored form's shortcut gives parse_date's date or parse_date's error."""
    today = date(2026, 6, 15)
    texts = [f"{year}-{month:02d}-{day:02d}" for year in (1999, 2000, 2025, 2026, 2046, 2047)
             for month in (0, 1, 2, 6, 12, 13) for day in (0, 1, 15, 28, 29, 30, 31, 32)]  # fmt: skip
    texts += ["20260110", "2026-1-10", " 2026-01-10", "2026-01-10 ", "2026-W02-6", ""]
    for text in texts:
        assert parse_iso_date(text, today, allowed) == parse_date(text, today, allowed), text
