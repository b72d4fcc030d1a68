"""Understand what a person typed: a date, a number or one of the options.

People type on cheap phones, often without their language's special letters
(к for қ, o' for oʻ), in the other Uzbek script, with a 2-digit year or a month
name. We accept all of that; when we cannot, the error names what to fix, and
the adapter shows it in the user's language (the code maps to a gettext string).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from babel.dates import get_month_names

from .locales import REGISTRY
from .rules.model import LOCALES, Question
from .rules.ruleset import Ruleset

MAX_INPUT = 200
"""Longer input is not an answer to any question (a pasted text, a 5,000-char message)."""
EARLIEST_DATE = date(1950, 1, 1)


@dataclass(frozen=True)
class ParseError:
    """Why input was not understood. `code` selects the message the user sees."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- folding

_FOLD = str.maketrans(
    {
        # Kyrgyz, Tajik, Uzbek, Kazakh letters → the Russian keyboard letter people type instead
        "ң": "н", "ө": "о", "ү": "у", "ғ": "г", "қ": "к", "ҳ": "х", "ҷ": "ч",
        "ӣ": "и", "ӯ": "у", "ё": "е", "ә": "а", "ұ": "у", "һ": "х", "і": "и",
        # Uzbek Latin apostrophes in all the shapes phones produce
        "ʻ": "", "ʼ": "", "'": "", "`": "", "’": "", "‘": "", "´": "",
    }
)  # fmt: skip

_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case, special letters folded to plain ones, spaces collapsed.

    Used only for *matching* input; output always uses the correct letters.
    """
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    return " ".join(re.sub(r"[^\w\s.-]", " ", text).split())


def canonical(text: str) -> str:
    """`fold` and then spell Cyrillic in Latin, so both Uzbek scripts compare equal.

    х/ҳ and x both become h and қ/q become k: typed Uzbek mixes them freely.
    Uzbek ў is oʻ in Latin script, but people without the letter type у: see
    `canonical_variants` for matching both.
    """
    return _latin(fold(text).replace("ў", "о"))


def canonical_variants(text: str) -> set[str]:
    """Every canonical spelling `text` may stand for (ў read as o and as u)."""
    folded = fold(text)
    return {_latin(folded.replace("ў", "о")), _latin(folded.replace("ў", "у"))}


def _latin(folded: str) -> str:
    latin = "".join(_LATIN.get(ch, ch) for ch in folded)
    return latin.replace("x", "h").replace("q", "k").replace(".", "").strip()


# --------------------------------------------------------------------------- options

_EXTRA_WORDS: dict[str, tuple[str, ...]] = {
    "yes": ("да", "ага", "ооба", "бале", "ҳа", "ha", "xa", "yes", "ok", "+"),
    "no": ("нет", "жок", "жоқ", "не", "йўқ", "yoʻq", "yoq", "no", "-"),
    "unknown": (
        "не знаю", "незнаю", "билбейм", "намедонам", "намедонум", "bilmayman", "билмайман",
        "?", "хз",
    ),
}  # fmt: skip
"""Common words for the shared options, beyond their labels."""


def _option_keys(question: Question, ruleset: Ruleset) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for value in ruleset.option_values(question):
        label = ruleset.option_label(question, value)
        words = [value, *(label.get(locale) for locale in LOCALES), *_EXTRA_WORDS.get(value, ())]
        option = next((o for o in question.options if o.value == value), None)
        if option is not None:
            words.extend(option.aliases)
        keys.extend((key, value) for word in words for key in canonical_variants(word))
    return [(key, value) for key, value in keys if key]


def match_option(question: Question, text: str, ruleset: Ruleset) -> str | None:
    """The option value `text` means, or None when it is not clearly one option.

    Tries, in order: the option's number in the list, an exact match of any
    label in any locale or script, a unique prefix, and a unique close spelling.
    """
    variants = canonical_variants(text)
    typed = canonical(text)
    if not typed:
        return None
    values = ruleset.option_values(question)
    if typed.isdigit() and 1 <= int(typed) <= len(values):
        return values[int(typed) - 1]
    keys = _option_keys(question, ruleset)
    exact = {value for key, value in keys if key in variants}
    if len(exact) == 1:
        return exact.pop()
    if len(typed) >= 3:
        prefixed = {
            value
            for key, value in keys
            for form in variants
            if key.startswith(form) or form.startswith(key + " ")
        }
        if len(prefixed) == 1:
            return prefixed.pop()
    close = {
        match
        for form in variants
        for match in difflib.get_close_matches(form, [key for key, _ in keys], n=3, cutoff=0.8)
    }
    candidates = {value for key, value in keys if key in close}
    if len(candidates) == 1:
        return candidates.pop()
    return None


# --------------------------------------------------------------------------- dates

_RELATIVE: dict[str, int] = {
    canonical(word): offset
    for offset, words in {
        0: ("сегодня", "бүгүн", "имрӯз", "bugun", "бугун", "today"),
        -1: ("вчера", "кечээ", "дирӯз", "kecha", "кеча", "yesterday"),
    }.items()
    for word in words
}

_EXTRA_MONTHS = {
    "sentyabr": 9, "oktyabr": 10, "noyabr": 11, "dekabr": 12, "iyun": 6, "iyul": 7,
    "fevral": 2, "aprel": 4, "avgust": 8, "yanvar": 1,
}  # fmt: skip


@lru_cache(maxsize=1)
def _month_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for locale in (*(known.babel for known in REGISTRY), "en"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    words.setdefault(canonical(name), int(number))
    words.update(_EXTRA_MONTHS)
    return words


def _month_from_word(word: str) -> int | None:
    key = canonical(word)
    months = _month_words()
    if key in months:
        return months[key]
    if len(key) >= 3:
        found = {
            number
            for name, number in months.items()
            if name.startswith(key) or (len(name) >= 3 and key.startswith(name))
        }
        if len(found) == 1:
            return found.pop()
    return None


def _year(number: str, today: date) -> int:
    if len(number) == 4:
        return int(number)
    two = int(number)
    return 2000 + two if two <= (today.year % 100) + 1 else 1900 + two


def parse_date(text: str, today: date, allowed: str = "any") -> date | ParseError:
    """A date typed in any usual form: 05.02.2025, 5.2.25, 2025-02-05, 5 февраля 2025.

    `allowed` is the question's `dates` setting: "past" rejects future dates.
    """
    raw = text.strip()
    if not raw or len(raw) > MAX_INPUT:
        return ParseError("not_a_date")
    key = canonical(raw)
    if key in _RELATIVE:
        return _check_range(today + timedelta(days=_RELATIVE[key]), today, allowed)

    iso = re.fullmatch(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})", raw)
    numeric = re.fullmatch(r"(\d{1,2})\s*[-./ ]\s*(\d{1,2})\s*[-./ ]\s*(\d{2}|\d{4})", raw)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    elif numeric:
        day, month, year = int(numeric[1]), int(numeric[2]), _year(numeric[3], today)
    else:
        found = _parse_words(raw, today)
        if isinstance(found, ParseError):
            return found
        day, month, year = found
    if not 1 <= month <= 12:
        return ParseError("no_such_month", {"month": month})
    try:
        result = date(year, month, day)
    except ValueError:
        return ParseError("no_such_day", {"day": day, "month": month, "year": year})
    return _check_range(result, today, allowed)


def _parse_words(raw: str, today: date) -> tuple[int, int, int] | ParseError:
    tokens = re.findall(r"\d+|[^\W\d_]+(?:[ʻʼ'’`][^\W\d_]+)?", raw.lower())
    month = None
    numbers: list[str] = []
    for token in tokens:
        if token.isdigit():
            numbers.append(token)
            continue
        found = _month_from_word(token)
        if found is not None and month is None:
            month = found
    if month is None:
        return ParseError("not_a_date")
    year_tokens = [n for n in numbers if len(n) == 4]
    day_tokens = [n for n in numbers if len(n) <= 2]
    if not day_tokens:
        return ParseError("not_a_date")
    year = (
        int(year_tokens[0])
        if year_tokens
        else (_year(day_tokens[1], today) if len(day_tokens) > 1 else today.year)
    )
    return int(day_tokens[0]), month, year


def _check_range(result: date, today: date, allowed: str) -> date | ParseError:
    if result < EARLIEST_DATE:
        return ParseError("date_too_early", {"date": result})
    if allowed == "past" and result > today:
        return ParseError("date_in_future", {"date": result})
    if allowed == "future" and result < today:
        return ParseError("date_in_past", {"date": result})
    if result.year > today.year + 20:
        return ParseError("date_too_late", {"date": result})
    return result


# --------------------------------------------------------------------------- any answer


def parse_answer(question: Question, text: str, ruleset: Ruleset, today: date) -> Any:
    """The stored value for typed `text`, or a ParseError.

    Stored values: an option value (str), an ISO date string, or an int. Options
    are tried first, so "не знаю" answers a date question that offers "unknown".
    """
    if len(text) > MAX_INPUT:
        return ParseError("too_long", {"limit": MAX_INPUT})
    values = ruleset.option_values(question)
    if values:
        option = match_option(question, text, ruleset)
        if option is not None and (
            question.type in ("choice", "yes_no") or not canonical(text).isdigit()
        ):
            return option
    if question.type in ("choice", "yes_no"):
        return ParseError("not_an_option")
    if question.type == "date":
        parsed = parse_date(text, today, question.dates)
        return parsed.isoformat() if isinstance(parsed, date) else parsed
    return parse_integer(question, text)


def parse_integer(question: Question, text: str) -> int | ParseError:
    digits = text.strip().replace(" ", "")
    if not re.fullmatch(r"\d{1,6}", digits):
        return ParseError("not_a_number")
    number = int(digits)
    if question.min is not None and number < question.min:
        return ParseError("number_too_small", {"min": question.min})
    if question.max is not None and number > question.max:
        return ParseError("number_too_large", {"max": question.max})
    return number
