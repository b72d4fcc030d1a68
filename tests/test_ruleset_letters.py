"""Every user-visible ruleset text is written in its own language's letters.

The schema already demands all five locales; this checks they are not copies or
mechanical transliterations: Uzbek Latin uses oʻ/gʻ (U+02BB), never an ASCII
apostrophe; Uzbek Cyrillic uses ў қ ғ ҳ; Kyrgyz and Tajik do not borrow each
other's letters; a non-Russian text is never the Russian text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.core.rules.model import LOCALES, Text, TextList

from .test_shipped_rules import RULESET

# Latin words allowed inside Cyrillic texts: sites, apps and abbreviations people see.
LATIN_OK = re.compile(
    r"https?://\S+|[\w.-]+\.(?:ru|kg|tj|uz|рф|org|com)\b|RuStore|RuID|Gosuslugi|"
    r"\b(?:SMS|ID|QR|PDF|MVD|FSB|EAEU|IOM|[A-Z]{2,5})\b"
)


def texts() -> Iterator[tuple[str, Text]]:
    assert RULESET is not None
    header = RULESET.header
    for status, item in header.statuses.items():
        yield f"status {status}", item.title
        yield f"status {status}", item.summary
    yield from ((f"label {k}", v) for k, v in header.labels.items())
    yield from ((f"deadline {k}", v.label) for k, v in header.deadlines.items())
    yield "disclaimer", header.disclaimer
    yield "scam_warning", header.scam_warning
    yield "uncertain_note", header.uncertain_note
    yield "calendar_note", header.calendar_note
    for q in RULESET.questions:
        yield from ((f"question {q.id}", t) for t in (q.text, q.label, q.why, q.hint) if t)
        yield from ((f"question {q.id} option", o.label) for o in q.options if o.label)
    for d in RULESET.derived:
        yield f"derived {d.id}", d.label
    for o in RULESET.outcomes:
        yield from ((f"outcome {o.id}", t) for t in (o.title, o.legal_basis, o.uncertain) if t)
        yield from ((f"outcome {o.id} because", c.because) for c in o.when)
    for c in RULESET.contacts.values():
        yield f"contact {c.id}", c.name
        yield f"contact {c.id}", c.how


def steps() -> Iterator[tuple[str, TextList]]:
    assert RULESET is not None
    for o in RULESET.outcomes:
        yield f"outcome {o.id} steps", o.steps


def by_locale() -> Iterator[tuple[str, str, str]]:
    for where, text in texts():
        for locale in LOCALES:
            yield where, locale, text.get(locale)
    for where, lines in steps():
        for locale in LOCALES:
            for line in lines.get(locale):
                yield where, locale, line


def problems() -> list[str]:
    found: list[str] = []
    for where, locale, text in by_locale():
        bare = LATIN_OK.sub("", re.sub(r"«[^»]*»|\{[^}]*\}", "", text))
        if locale == "uz":
            if re.search(r"[oOgG]['`’‘]", text):
                found.append(f"{where} [uz]: ASCII apostrophe instead of ʻ (U+02BB): {text[:60]}")
            if re.search(r"[ўқғҳ]", bare):
                found.append(f"{where} [uz]: Cyrillic Uzbek letters in Latin text: {text[:60]}")
        else:
            if re.search(r"[a-zA-Z]{4,}", bare):
                found.append(f"{where} [{locale}]: Latin word in a Cyrillic text: {text[:60]}")
        if locale == "ky" and re.search(r"[ӣӯҷқғҳў]", bare):
            found.append(f"{where} [ky]: Tajik/Uzbek letter in Kyrgyz: {text[:60]}")
        if locale == "tg" and re.search(r"[ңөүў]", bare):
            found.append(f"{where} [tg]: Kyrgyz/Uzbek letter in Tajik: {text[:60]}")
        if locale == "uz_Cyrl" and re.search(r"[ңөүӣӯҷ]", bare):
            found.append(f"{where} [uz_Cyrl]: Kyrgyz/Tajik letter in Uzbek: {text[:60]}")
        if locale == "ru" and re.search(r"[ңөүӣӯҷқғҳўʻ]", bare):
            found.append(f"{where} [ru]: non-Russian letter in Russian: {text[:60]}")
    return found


def test_every_text_uses_its_own_letters():
    found = problems()
    assert not found, "\n".join(found[:40])


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "ru"])
def test_translated_texts_are_not_the_russian_text(locale):
    same = [
        where
        for where, text in texts()
        if text.get(locale) == text.ru and len(text.ru) > 25  # names like «Москва» may match
    ]
    assert not same, same[:20]


def test_uzbek_cyrillic_uses_its_letters_somewhere_in_long_texts():
    # A mechanical copy of Russian would have none of ў қ ғ ҳ across a long text.
    long = [t.uz_Cyrl for _, t in texts() if len(t.uz_Cyrl) > 80]
    without = [t for t in long if not re.search(r"[ўқғҳЎҚҒҲ]", t)]
    assert len(without) <= len(long) // 10, without[:5]
