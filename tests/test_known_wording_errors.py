"""Wording errors a native speaker found once must not come back.

Each entry is a phrase (a regular expression, matched case-insensitively) that
is wrong in that language, and why; the test reads the real interface catalogs
and the shipped ruleset's texts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES

from .test_ruleset_letters import by_locale

ROOT = Path(__file__).resolve().parent.parent

KNOWN_ERRORS: dict[str, list[tuple[str, str]]] = {
    "tg": [
        (r"рақам\w*\s+бо\s+адад", "адад is the number, рақам the digit: «ададро бо рақамҳо»"),
        (r"(?<!бо )\bрақам\w*\s+(набояд|нависед)", "a count is «адад», not «рақам» (a digit)"),
        (r"улгуридед", "a Russian calque («успели»): «иҷро карда тавонистед?»"),
        (r"граждании\s+ҳуқуқ", "a civil-law contract is «шартномаи гражданӣ-ҳуқуқӣ»"),
        (
            r"\bҳоло\s+на\w*(аед|аам)\b",
            "«ҳоло» is «now»; «not yet» is «ҳанӯз» («ҳанӯз насанҷидаед»)",
        ),
        (r"тугма кӯҳна шудааст", "a calque of «кнопка устарела»"),
        (r"саҳифа кӯҳна шудааст", "a calque of «страница устарела»: «дигар кор намекунад»"),
        (r"\bалейкум", "Tajik spells the greeting «Ассалому алайкум»"),
        (
            r"супоридан\s+ба\s+патент",
            "a calque of «подача на патент»: «супоридани ҳуҷҷатҳо барои патент»",
        ),
        (
            r"\}\s+\{",
            "two slots side by side run two dates together: put words between them",
        ),
        (r"ёдраскуни", "a reminder is «ёдоварӣ» everywhere else in the interface"),
    ],
    "ky": [
        (
            r"чыгаардан\s+мурун",
            "«чыгаардан» is «before (someone) takes out»; leaving is «чыкканга чейин»",
        ),
        (r"сиздин\s+өлкөнүн\b", "a calque of «вашей страны»: «өлкөңүздүн»"),
        (r"\bучур\s+үчүн", "«учур» is a moment in time, not a case: «жагдай»"),
        (r"туура эмес болуп калды", "a calque of «что-то пошло не так»"),
        (
            r"мыйзамдуу\s+болуунун",
            "a calque of «последний день законного нахождения»: «мыйзамдуу жүрүүнүн»",
        ),
        (r"«налог»", "a Russian word where Kyrgyz has one: «НДФЛ (салык)»"),
        (r"карттагы", "«карта» in the locative is «картада», «картадагы»"),
        (r"рублден", "«рубль» takes back-vowel endings, as «рублга»: «рублдан»"),
    ],
    "uz": [
        (r"qonuniy\s+boʻlishning", "a calque; «qonuniy turishning oxirgi kuni»"),
        (r"tugma eskirgan", "a calque of «кнопка устарела»"),
        (r"sahifa eskirgan", "a calque of «страница устарела»: «endi ishlamaydi»"),
        (
            r"roʻyxatga\s+tur|roʻyxatsiz",
            "migration registration is «hisob»: «hisobga turish», «hisobga turmasdan»",
        ),
        (r"\d-ФЗ", "a law number in Latin letters: «115-FZ», not Cyrillic «ФЗ» in a Latin word"),
        (r"\}\s+gacha\b", "the suffix joins the date: «{date}gacha»"),
    ],
    "uz_Cyrl": [
        (r"қонуний\s+бўлишнинг", "a calque; «қонуний туришнинг охирги куни»"),
        (r"тугма эскирган", "a calque of «кнопка устарела»"),
        (r"саҳифа эскирган", "a calque of «страница устарела»: «энди ишламайди»"),
        (
            r"рўйхатга\s+тур|рўйхатсиз",
            "migration registration is «ҳисоб»: «ҳисобга туриш», «ҳисобга турмасдан»",
        ),
        (r"\}\s+гача\b", "the suffix joins the date: «{date}гача»"),
    ],
    "ru": [
        (
            r"\d\s*дн\.|\}\s*дн\.",
            "a count of days takes its plural form («1 день», «5 дней»), not «дн.»",
        ),
    ],
}


def _catalog_texts(locale: str) -> list[tuple[str, str]]:
    path = ROOT / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return [(f"catalog {message.id!r}", str(message.string)) for message in catalog if message.id]


def _rule_texts(locale: str) -> list[tuple[str, str]]:
    return [(where, text) for where, text_locale, text in by_locale() if text_locale == locale]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_known_error_comes_back(locale: str):
    found = [
        f"{where}: «{text}» — {why}"
        for where, text in _catalog_texts(locale) + _rule_texts(locale)
        for pattern, why in KNOWN_ERRORS.get(locale, [])
        if re.search(pattern, text, re.IGNORECASE)
    ]
    assert found == []
