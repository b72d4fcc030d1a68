"""Dates and counts of days written the way each language writes them.

Why not Babel's long date format alone: CLDR's patterns for these locales are
not how people write a date in a sentence («2026-ж., 10-ноябрь», «10 Ноябр
2026», «10-noyabr, 2026»). Babel still supplies the month names (lower-cased
here: a month is not a proper noun in any of these languages) and the plural
rules; this module adds each language's grammar around them:

- Russian: «10 ноября 2026 г.» (CLDR's long form is right for Russian);
- Kyrgyz: «2026-жылдын 10-ноябрында» — the year in the genitive, the month with
  the 3rd-person possessive and the locative (Kyrgyz vowel harmony picks the
  ending, so the forms are a table);
- Tajik: «10 ноябри соли 2026» (the izofat -и links the month and «соли»);
- Uzbek Latin: «2026-yil 10-noyabr» (the 1995 spelling rules' ordinal hyphen);
- Uzbek Cyrillic: «2026 йил 10 ноябр» (the form of Cyrillic newspapers and
  decrees: no hyphens, month names as in CLDR).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date, get_date_format, get_month_names

from bot.core.locales import babel_locale, normalize_locale

_KYRGYZ_ON: dict[int, str] = {
    1: "январында", 2: "февралында", 3: "мартында", 4: "апрелинде", 5: "майында",
    6: "июнунда", 7: "июлунда", 8: "августунда", 9: "сентябрында", 10: "октябрында",
    11: "ноябрында", 12: "декабрында",
}  # fmt: skip
"""Kyrgyz month + possessive + locative («10-ноябрында» = "on 10 November")."""

_DAY_WORDS: dict[str, dict[str, str]] = {
    "ru": {"one": "день", "few": "дня", "many": "дней", "other": "дня"},
    "ky": {"other": "күн"},
    "tg": {"other": "рӯз"},
    "uz": {"other": "kun"},
    "uz_Cyrl": {"other": "кун"},
}
"""The word "day" after a number, by CLDR plural category.

Kyrgyz, Tajik and Uzbek do not inflect a noun after a numeral («5 күн», «5 рӯз»,
«5 kun»), so they need only one form even where CLDR names two categories.
"""


def _babel(locale: str) -> str:
    return babel_locale(locale)


@cache
def _month_names(locale: str) -> tuple[str, ...]:
    """The twelve names of :func:`month_name` (index 0 is January), read from Babel once."""
    names = get_month_names("wide", "format", locale=_babel(locale))
    return tuple(str(names[month]).lower() for month in range(1, 13))


def month_name(month: int, locale: str) -> str:
    """The month's name as it stands after a day number, lower case («ноября», «noyabr»)."""
    return _month_names(normalize_locale(locale))[month - 1]


_SIMPLE_FIELDS = frozenset({"d", "MMMM", "y"})


@cache
def _cldr_long_date(locale: str) -> Callable[[date], str]:
    """``format_date(day, "long", locale)``, with the pattern and month names read once.

    Why: Babel parses the locale and the pattern again on every call (about 30 µs),
    and a result page writes 15-20 dates. When the pattern uses only the day, the
    wide month name and the year (Russian: «d MMMM y 'г'.»), Babel's own %-template
    of it is filled with the same values Babel puts there; any other pattern goes
    to Babel as before.
    """
    # Babel annotates the %-template as a DateTimeFormat; it is the pattern's text
    template = str(get_date_format("long", locale=locale).format)
    if not set(re.findall(r"%\((\w+)\)s", template)) <= _SIMPLE_FIELDS:
        return lambda day: format_date(day, format="long", locale=locale)
    names = get_month_names("wide", "format", locale=locale)
    months = tuple(str(names[month]) for month in range(1, 13))
    return lambda day: template % {
        "d": str(day.day), "MMMM": months[day.month - 1], "y": str(day.year)
    }  # fmt: skip


def format_day(day: date, locale: str) -> str:
    """A date as it is written inside a sentence in `locale` (see the module docstring)."""
    if locale == "ky":
        return f"{day.year}-жылдын {day.day}-{_KYRGYZ_ON[day.month]}"
    if locale == "tg":
        return f"{day.day} {month_name(day.month, locale)}и соли {day.year}"
    if locale == "uz":
        return f"{day.year}-yil {day.day}-{month_name(day.month, locale)}"
    if locale == "uz_Cyrl":
        return f"{day.year} йил {day.day} {month_name(day.month, locale)}"
    return _cldr_long_date("ru")(day)


@cache
def _plural_rule(locale: str) -> Callable[[int], str]:
    return Locale.parse(_babel(locale)).plural_form


def plural_category(number: int, locale: str) -> str:
    """CLDR's plural category of `number` in `locale`: "one", "few", "many" or "other"."""
    return str(_plural_rule(normalize_locale(locale))(abs(number)))


def days_count(number: int, locale: str) -> str:
    """A number of days with the word for "day" in the right form: «1 день», «2 дня», «5 дней»."""
    words = _DAY_WORDS[normalize_locale(locale)]
    word = words.get(plural_category(number, locale), words["other"])
    return f"{number} {word}"


def value_text(name: str, value: object, locale: str) -> str:
    """A computed value (not an answer) as a rule text shows it.

    A value whose name ends in ``_days`` is a count of days and carries its noun
    in the right form («сверх срока уже 5 дней», «21 день», «30 күн»), so rule
    texts write ``{overstay_days}`` without a noun of their own; anything else is
    shown as it is.
    """
    if name.endswith("_days") and isinstance(value, int) and not isinstance(value, bool):
        return days_count(value, locale)
    return str(value)
