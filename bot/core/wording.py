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

from datetime import date
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, get_month_names

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


@lru_cache(maxsize=128)
def month_name(month: int, locale: str) -> str:
    """The month's name as it stands after a day number, lower case («ноября», «noyabr»)."""
    names = get_month_names("wide", "format", locale=_babel(locale))
    return str(names[month]).lower()


@lru_cache(maxsize=8192)
def format_day(day: date, locale: str) -> str:
    """A date as it is written inside a sentence in `locale` (see the module docstring).

    Cached: a result card writes a dozen dates, each a look-up in Babel's locale data."""
    if locale == "ky":
        return f"{day.year}-жылдын {day.day}-{_KYRGYZ_ON[day.month]}"
    if locale == "tg":
        return f"{day.day} {month_name(day.month, locale)}и соли {day.year}"
    if locale == "uz":
        return f"{day.year}-yil {day.day}-{month_name(day.month, locale)}"
    if locale == "uz_Cyrl":
        return f"{day.year} йил {day.day} {month_name(day.month, locale)}"
    return format_date(day, format="long", locale="ru")


@lru_cache(maxsize=4096)
def plural_category(number: int, locale: str) -> str:
    """CLDR's plural category of `number` in `locale`: "one", "few", "many" or "other"."""
    return str(Locale.parse(_babel(locale)).plural_form(abs(number)))


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
