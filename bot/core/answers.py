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
from collections.abc import Sequence
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
        "не знаю", "незнаю", "не помню", "билбейм", "эсимде жок", "намедонам", "намедонум",
        "дар ёдам нест", "bilmayman", "билмайман", "esimda yoʻq", "эсимда йўқ", "?", "хз",
    ),
}  # fmt: skip
"""Common words for the shared options, beyond their labels."""

_NOT_DONE_WORDS: tuple[str, ...] = (
    "нет", "ещё нет", "еще нет", "пока нет", "не было", "не проходил", "не проходила",
    "не проходил(а)", "ещё не проходил", "не получал", "не получала",
    "жок", "али жок", "өткөн жокмун", "өтө элекмин", "өткөн эмесмин", "алган жокмун",
    "нест", "ҳанӯз не", "нагузаштаам", "нагузаштам", "нагирифтаам",
    "yoʻq", "yoq", "hali yoʻq", "oʻtmaganman", "olmaganman",
    "йўқ", "ҳали йўқ", "ўтмаганман", "олмаганман", "not yet",
)  # fmt: skip
"""Words for "no / not done yet", which pick an option valued `none` («Ещё не
проходил(а)», «Бессрочный договор», no document) on a question without a `no` option:
asked "when did you get the medical certificate?", people type «нет» or «не проходил»."""

_BACK_WORDS: frozenset[str] = frozenset(
    key
    for word in (
        "назад", "вернуться", "обратно", "артка", "кайра артка", "бозгашт", "ба қафо", "қафо",
        "orqaga", "ortga", "орқага", "ортга", "back",
    )
    for key in canonical_variants(word)
)  # fmt: skip
"""The Back button's label in every locale and the words people type for it."""


def is_back(text: str) -> bool:
    """Whether typed text asks to go back («назад», «артка», «бозгашт», «orqaga», …)."""
    return bool(canonical_variants(text) & _BACK_WORDS)


_SPELLINGS: dict[tuple[str, str, str, bool], list[str]] = {}
_SPELLINGS_LIMIT = 4096


def _option_keys(question: Question, ruleset: Ruleset) -> list[tuple[str, str]]:
    """Every spelling that picks an offered option, with its value.

    Each option's spellings are worked out once per ruleset (each typed answer needs
    them; spelling them out in five locales and two scripts costs more than reading
    the answer). The table holds only the ruleset's own words, the same for everyone:
    which options a person was offered is not part of it, and it is filled for every
    question of the ruleset at once, so it does not tell which questions got a typed
    answer either.
    """
    values = ruleset.option_values(question)
    keys: list[tuple[str, str]] = []
    for value in values:
        cache_key = (ruleset.fingerprint, question.id, value, _not_done(value, values))
        spellings = _SPELLINGS.get(cache_key)
        if spellings is None:
            _spell_every_option(ruleset)
            spellings = _SPELLINGS.get(cache_key)
        if spellings is None:  # a question not of this ruleset (a copy with other options)
            spellings = _SPELLINGS[cache_key] = _spell_option(
                question, ruleset, value, cache_key[3]
            )
        keys.extend((key, value) for key in spellings)
    return keys


def _not_done(value: str, values: Sequence[str]) -> bool:
    """``none`` stands for "not yet" when the question has no ``no``."""
    return value == "none" and "no" not in values


def _spell_every_option(ruleset: Ruleset) -> None:
    """Fill `_SPELLINGS` with every option of every question of `ruleset`."""
    if len(_SPELLINGS) >= _SPELLINGS_LIMIT:
        _SPELLINGS.clear()
    for question in ruleset.questions:
        values = ruleset.option_values(question)
        for value in values:
            not_done = _not_done(value, values)
            _SPELLINGS[(ruleset.fingerprint, question.id, value, not_done)] = _spell_option(
                question, ruleset, value, not_done
            )


def _spell_option(question: Question, ruleset: Ruleset, value: str, not_done: bool) -> list[str]:
    """The canonical spellings of one option: its value, its label in every locale, the
    extra words for it, "not yet" words when it is ``none`` without a ``no``, aliases."""
    label = ruleset.option_label(question, value)
    words = [value, *(label.get(locale) for locale in LOCALES), *_EXTRA_WORDS.get(value, ())]
    if not_done:
        words.extend(_NOT_DONE_WORDS)
    option = next((o for o in question.options if o.value == value), None)
    if option is not None:
        words.extend(option.aliases)
    return [key for word in words for key in canonical_variants(word) if key]


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
    if typed.isdecimal() and 1 <= int(typed) <= len(values):  # not isdigit: ², ①
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
    if not any(char.isalpha() for char in typed):
        return None  # a date or a number is not a misspelt word: no close spelling
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
#
# Why a table-driven parser and not `dateparser` (PyPI, v1.5.0, measured on this
# machine): it has no Tajik at all ("Unknown language(s): 'tg'"), it does not know
# Kyrgyz «мурдагы күнү» or «3 жума мурун» nor Uzbek «oʻtgan kuni», it reads "20.11"
# as the time 20:11, and the first call in a language takes ~150 ms while it loads
# that language's data. The forms people type into a questionnaire are few; they
# are the tables below, and every one is in tests/core/test_answers_dates.py.

_DAY_OFFSETS: dict[int, tuple[str, ...]] = {
    0: ("сегодня", "бүгүн", "имрӯз", "bugun", "бугун", "today"),
    -1: ("вчера", "кечээ", "кече", "дирӯз", "kecha", "кеча", "yesterday"),
    -2: (
        "позавчера", "позавчера днём", "мурдагы күнү", "мурдагы күн", "мурунку күнү",
        "парерӯз", "парирӯз", "парерӯзӣ", "oʻtgan kuni", "avvalgi kuni", "ўтган куни",
        "аввалги куни", "the day before yesterday",
    ),
    1: ("завтра", "эртең", "фардо", "ertaga", "эртага", "tomorrow"),
    2: ("послезавтра", "бүрсүгүнү", "пасфардо", "пас аз фардо", "indinga", "индинга"),
}  # fmt: skip
"""Words for a day near today, by its offset from today."""


def _keys(words: tuple[str, ...]) -> set[str]:
    return {key for word in words for key in canonical_variants(word)}


_RELATIVE: dict[str, int] = {
    key: offset for offset, words in _DAY_OFFSETS.items() for key in _keys(words)
}

_UNITS: dict[str, tuple[str, ...]] = {
    "day": ("день", "дня", "дней", "дн", "сутки", "суток", "күн", "рӯз", "kun", "кун", "day", "days"),
    "week": (
        "неделю", "неделя", "недели", "недель", "нед", "жума", "апта", "ҳафта", "hafta",
        "ҳафта", "week", "weeks",
    ),
    "month": (
        "месяц", "месяца", "месяцев", "мес", "ай", "моҳ", "oy", "ой", "month", "months",
    ),
    "year": ("год", "года", "лет", "жыл", "сол", "yil", "йил", "year", "years"),
}  # fmt: skip
"""Units of "N … ago", in the forms that follow a number in each language."""

_UNIT_OF: dict[str, str] = {key: unit for unit, words in _UNITS.items() for key in _keys(words)}

_AGO = _keys(("назад", "тому назад", "мурун", "мурда", "илгери", "пеш", "қабл", "oldin", "avval", "олдин", "аввал", "ago"))  # fmt: skip
"""The word after "N units" that makes it the past."""

_IN = _keys(("через", "спустя"))
"""Russian puts "in N days" before the count."""

_AFTER = _keys(("кийин", "keyin", "кейин", "баъд", "пас", "later"))
"""Kyrgyz, Uzbek and Tajik put "in N days" after it («3 күндөн кийин», «3 рӯз баъд»)."""

_ABLATIVE = ("dan", "den", "don", "tan", "ten", "ton")
"""Kyrgyz and Uzbek ablative endings on the unit before кийин/keyin («күндөн», «kundan»)."""

_NUMBER_WORDS: dict[str, int] = {
    key: number
    for number, words in {
        1: ("один", "одна", "одну", "одни", "бир", "як", "bir", "one", "a"),
        2: ("два", "две", "эки", "ду", "ikki", "икки", "two"),
        3: ("три", "үч", "се", "uch", "уч", "three"),
        4: ("четыре", "төрт", "чор", "toʻrt", "тўрт", "four"),
        5: ("пять", "беш", "панҷ", "besh", "five"),
        6: ("шесть", "алты", "шаш", "olti", "олти", "six"),
        7: ("семь", "жети", "ҳафт", "yetti", "етти", "seven"),
        8: ("восемь", "сегиз", "ҳашт", "sakkiz", "саккиз", "eight"),
        9: ("девять", "тогуз", "нӯҳ", "toʻqqiz", "тўққиз", "nine"),
        10: ("десять", "он", "даҳ", "oʻn", "ўн", "ten"),
    }.items()
    for key in _keys(words)
}  # fmt: skip
"""Counts written as words, 1–10 («неделю назад», «үч жума мурун», «bir oy oldin»)."""

MAX_RELATIVE_DAYS = 366 * 100
"""A longer "N … ago" cannot be a date any question asks about."""

_EXTRA_MONTHS = {
    "sentyabr": 9, "oktyabr": 10, "noyabr": 11, "dekabr": 12, "iyun": 6, "iyul": 7,
    "fevral": 2, "aprel": 4, "avgust": 8, "yanvar": 1,
}  # fmt: skip

_YEAR_WORDS = r"(?:г|гг|год|года|ж|жыл|жылы|с|сол|соли|y|yil|йил|year)"
"""What may follow a year typed in digits: «2026г», «2026-ж.», «2026 сол», «2026-yil»."""

_SEPARATOR = r"\s*[-./,\\ ]\s*"
_NUMERIC = re.compile(
    rf"(\d{{1,2}}){_SEPARATOR}(\d{{1,2}})(?:{_SEPARATOR}(\d{{4}}|\d{{2}})(?:\s*-?\s*{_YEAR_WORDS}\.?)?)?\.?"
)
_ISO = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
_STORED_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


def _year_that_fits(day: int, month: int, today: date, allowed: str) -> date | ParseError:
    """The date of a day and month typed without a year, in the year the question means.

    A question about the past takes the latest such day not after today (an entry
    on "20.11" typed on 1 December is this 20 November); one about the future the
    first not before today ("paid until 9.01" typed in December is next January);
    any other the one nearest to today.
    """
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return ParseError("no_such_day", {"day": day, "month": month, "year": today.year})
    if allowed == "past":
        past = [c for c in candidates if c <= today]
        return past[-1] if past else candidates[0]
    if allowed == "future":
        future = [c for c in candidates if c >= today]
        return future[0] if future else candidates[-1]
    return min(candidates, key=lambda c: (abs((c - today).days), c < today))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError("no such month")  # unreachable: every month has 28 days


def _relative(key: str, today: date) -> date | None:
    """«3 недели назад», «3 жума мурун», «3 hafta oldin», «через 2 дня»: the date meant."""
    tokens = key.split()
    sign = -1
    if tokens and tokens[-1] in _AGO:
        tokens = tokens[:-1]
    elif tokens and tokens[0] in _IN:
        sign, tokens = 1, tokens[1:]
    elif len(tokens) >= 2 and tokens[-1] in _AFTER:
        sign, tokens = 1, tokens[:-1]
        if tokens[-1] not in _UNIT_OF:
            for ending in _ABLATIVE:
                if tokens[-1].endswith(ending) and tokens[-1][: -len(ending)] in _UNIT_OF:
                    tokens[-1] = tokens[-1][: -len(ending)]
                    break
    else:
        return None
    if not tokens or tokens[-1] not in _UNIT_OF:
        return None
    unit = _UNIT_OF[tokens[-1]]
    if len(tokens) == 1:
        count = 1
    elif len(tokens) == 2 and tokens[0].isdecimal() and len(tokens[0]) <= 5:
        count = int(tokens[0])
    elif len(tokens) == 2 and tokens[0] in _NUMBER_WORDS:
        count = _NUMBER_WORDS[tokens[0]]
    else:
        return None
    days = {"day": 1, "week": 7}.get(unit)
    if days is not None:
        if count * days > MAX_RELATIVE_DAYS:
            return None
        return today + timedelta(days=sign * count * days)
    months = count * (12 if unit == "year" else 1)
    if months * 31 > MAX_RELATIVE_DAYS:
        return None
    return _add_months(today, sign * months)


def parse_date(text: str, today: date, allowed: str = "any") -> date | ParseError:
    """A date typed in any usual form: 05.02.2025, 5.2.25, 20,11,2026, 10.11.2026г,
    2025-02-05, 5 февраля 2025, 20.11 (no year), вчера, 3 недели назад.

    `allowed` is the question's `dates` setting: "past" rejects future dates,
    "future" rejects past ones, and both pick the year of a date typed without one.
    """
    raw = text.strip()
    if not raw or len(raw) > MAX_INPUT:
        return ParseError("not_a_date")
    for key in canonical_variants(raw):
        if key in _RELATIVE:
            return _check_range(today + timedelta(days=_RELATIVE[key]), today, allowed)
        relative = _relative(key, today)
        if relative is not None:
            return _check_range(relative, today, allowed)

    iso = _ISO.fullmatch(raw)
    numeric = _NUMERIC.fullmatch(raw.lower())
    year: int | None
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    elif numeric:
        day, month = int(numeric[1]), int(numeric[2])
        year = _year(numeric[3], today) if numeric[3] else None
    else:
        found = _parse_words(raw, today)
        if isinstance(found, ParseError):
            return found
        day, month, year = found
    if not 1 <= month <= 12:
        return ParseError("no_such_month", {"month": month})
    if year is None:
        fitted = _year_that_fits(day, month, today, allowed)
        return fitted if isinstance(fitted, ParseError) else _check_range(fitted, today, allowed)
    try:
        result = date(year, month, day)
    except ValueError:
        return ParseError("no_such_day", {"day": day, "month": month, "year": year})
    return _check_range(result, today, allowed)


def parse_iso_date(text: str, today: date, allowed: str = "any") -> date | ParseError:
    """`parse_date` of a date written ``YYYY-MM-DD`` (the form stored answers take),
    without trying the forms people type first: the same date or the same error."""
    if not _STORED_DATE.fullmatch(text):  # Python also reads 20260110 and 2026-W02-6
        return parse_date(text, today, allowed)
    try:
        result = date.fromisoformat(text)
    except ValueError:  # 2026-02-30: parse_date says which part is wrong
        return parse_date(text, today, allowed)
    return _check_range(result, today, allowed)


def _parse_words(raw: str, today: date) -> tuple[int, int, int | None] | ParseError:
    tokens = re.findall(r"\d+|[^\W\d_]+(?:[ʻʼ'’`][^\W\d_]+)?", raw.lower())
    month = None
    numbers: list[str] = []
    for token in tokens:
        if token.isdecimal():  # not isdigit: int() cannot read ² or ①
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
        else (_year(day_tokens[1], today) if len(day_tokens) > 1 else None)
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
            question.type in ("choice", "yes_no") or not canonical(text).isdecimal()
        ):
            return option
    if question.type in ("choice", "yes_no"):
        return ParseError("not_an_option")
    if question.type == "date":
        parsed = parse_date(text, today, question.dates)
        return parsed.isoformat() if isinstance(parsed, date) else parsed
    return parse_integer(question, text)


def parse_integer(question: Question, text: str) -> int | ParseError:
    """A count typed in digits, alone or with the word "day" after it («25», «25 дней», «25 күн»)."""
    digits = text.strip()
    number_and_word = re.fullmatch(r"([\d ]+?)\s*([^\W\d_]+)\.?", digits)
    if number_and_word and _UNIT_OF.get(canonical(number_and_word[2])) == "day":
        digits = number_and_word[1]
    digits = digits.replace(" ", "")
    if not re.fullmatch(r"\d{1,6}", digits):
        return ParseError("not_a_number")
    number = int(digits)
    if question.min is not None and number < question.min:
        return ParseError("number_too_small", {"min": question.min})
    if question.max is not None and number > question.max:
        return ParseError("number_too_large", {"max": question.max})
    return number
