"""Dates and day counts in each language's own grammar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date

from bot.core import wording
from bot.core.rules.present import format_day as result_format_day


@pytest.mark.parametrize(
    ("locale", "day", "expected"),
    [
        ("ru", date(2026, 12, 1), "1 декабря 2026\u202fг."),
        ("ru", date(2026, 3, 8), "8 марта 2026\u202fг."),
        ("ky", date(2026, 11, 10), "2026-жылдын 10-ноябрында"),
        ("ky", date(2026, 4, 1), "2026-жылдын 1-апрелинде"),
        ("ky", date(2026, 6, 30), "2026-жылдын 30-июнунда"),
        ("ky", date(2026, 8, 2), "2026-жылдын 2-августунда"),
        ("ky", date(2026, 5, 9), "2026-жылдын 9-майында"),
        ("tg", date(2026, 12, 1), "1 декабри соли 2026"),
        ("tg", date(2026, 5, 9), "9 майи соли 2026"),
        ("uz", date(2026, 12, 1), "2026-yil 1-dekabr"),
        ("uz", date(2026, 9, 15), "2026-yil 15-sentabr"),
        ("uz_Cyrl", date(2026, 12, 1), "2026 йил 1 декабр"),
        ("uz_Cyrl", date(2026, 9, 15), "2026 йил 15 сентябр"),
    ],
)
# Russian keeps CLDR's narrow no-break space (U+202F) before «г.»: the year and
# its abbreviation never split across two lines on a phone.
def test_a_date_in_each_languages_grammar(locale, day, expected):
    assert wording.format_day(day, locale) == expected


@pytest.mark.parametrize("locale", ["ru", "ky", "tg", "uz", "uz_Cyrl"])
def test_month_names_are_lower_case_in_every_month(locale):
    for month in range(1, 13):
        text = wording.format_day(date(2026, month, 1), locale)
        assert text == text.lower(), text


def test_the_result_uses_the_same_wording():
    assert result_format_day(date(2026, 11, 10), "ky") == "2026-жылдын 10-ноябрында"


def test_russian_dates_are_babels_long_form_on_every_day():
    """The Russian date is filled from CLDR's pattern read once: Babel's text, every day."""
    day = date(2020, 1, 1)
    while day.year < 2031:
        assert wording.format_day(day, "ru") == format_date(day, format="long", locale="ru")
        day += timedelta(days=1)


def test_an_unknown_locale_writes_russian():
    assert wording.format_day(date(2026, 12, 1), "en") == "1 декабря 2026\u202fг."


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (0, "0 дней"), (1, "1 день"), (2, "2 дня"), (4, "4 дня"), (5, "5 дней"),
        (11, "11 дней"), (12, "12 дней"), (14, "14 дней"), (21, "21 день"), (22, "22 дня"),
        (25, "25 дней"), (101, "101 день"), (111, "111 дней"), (112, "112 дней"),
        (180, "180 дней"), (181, "181 день"), (-1, "-1 день"),
    ],
)  # fmt: skip
def test_russian_days_have_three_plural_forms(number, expected):
    assert wording.days_count(number, "ru") == expected


@pytest.mark.parametrize(
    ("locale", "word"), [("ky", "күн"), ("tg", "рӯз"), ("uz", "kun"), ("uz_Cyrl", "кун")]
)
@pytest.mark.parametrize("number", [1, 2, 5, 21])
def test_the_other_languages_keep_the_noun_after_a_number_as_it_is(locale, word, number):
    assert wording.days_count(number, locale) == f"{number} {word}"


@pytest.mark.parametrize(
    ("name", "value", "locale", "expected"),
    [
        ("overstay_days", 1, "ru", "1 день"),
        ("overstay_days", 3, "ru", "3 дня"),
        ("overstay_days", 25, "ru", "25 дней"),
        ("biometrics_days", 30, "ky", "30 күн"),
        ("biometrics_days", 90, "tg", "90 рӯз"),
        ("overstay_days", 2, "uz", "2 kun"),
        ("overstay_days", 2, "uz_Cyrl", "2 кун"),
        ("days_used", 45, "ru", "45"),  # a count shown after a label keeps the bare number
        ("overstay_days", True, "ru", "True"),
        ("stay_limit_days", "x", "ru", "x"),
    ],
)
def test_a_computed_count_of_days_carries_its_noun(name, value, locale, expected):
    assert wording.value_text(name, value, locale) == expected
