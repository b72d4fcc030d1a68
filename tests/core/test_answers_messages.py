"""What the person reads when a typed date or number is not taken, and when it is:
one sentence with its full stop, in the real catalogs, in each locale's grammar."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.answers import ParseError
from bot.i18n import LOCALES, parse_error_message, understood_message

DATE_ERRORS = [
    ParseError("not_a_date"),
    ParseError("no_such_day", {"day": 31, "month": 2, "year": 2025}),
    ParseError("no_such_month", {"month": 13}),
    ParseError("date_in_future", {"date": date(2026, 12, 2)}),
    ParseError("date_in_past", {"date": date(2026, 11, 30)}),
    ParseError("date_too_early", {"date": date(1900, 1, 1)}),
    ParseError("date_too_late", {"date": date(2099, 1, 1)}),
    ParseError("not_a_number"),
    ParseError("number_too_small", {"min": 0}),
    ParseError("number_too_large", {"max": 366}),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("error", DATE_ERRORS, ids=lambda e: e.code)
def test_an_input_error_is_one_sentence_with_its_full_stop(locale, error):
    text = parse_error_message(error, locale)
    assert text.endswith(".")
    assert ".." not in text
    body = text.replace("г.", "г")  # the Russian year abbreviation is not a sentence end
    assert body[:-1].count(". ") == 0, text


def test_a_date_in_an_error_is_written_in_the_languages_grammar():
    error = ParseError("date_in_past", {"date": date(2026, 11, 30)})
    assert parse_error_message(error, "ky").endswith("2026-жылдын 30-ноябрында.")
    assert parse_error_message(error, "tg").endswith("30 ноябри соли 2026.")
    assert parse_error_message(error, "uz").endswith("2026-yil 30-noyabr.")
    assert parse_error_message(error, "uz_Cyrl").endswith("2026 йил 30 ноябр.")
    assert parse_error_message(error, "ru").endswith("30 ноября 2026\u202fг.")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ru", "Записал дату: 9 января 2027\u202fг."),
        ("ky", "Күндү жазып алдым: 2027-жылдын 9-январында."),
        ("tg", "Санаро сабт кардам: 9 январи соли 2027."),
        ("uz", "Sanani yozib oldim: 2027-yil 9-yanvar."),
        ("uz_Cyrl", "Санани ёзиб олдим: 2027 йил 9 январ."),
    ],
)
def test_the_understood_date_is_said_back_in_each_language(locale, expected):
    assert understood_message(date(2027, 1, 9), locale) == expected
