"""The timeline picture in every locale: every letter drawn has a glyph in the font.

The check reads the fonts' character maps with fontTools here, independently of
``Fonts.missing``: Pillow would draw a letter the font lacks as an empty box and
say nothing.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from bot.core.rules import Ruleset
from bot.core.rules.present import format_day
from bot.export import FontNotFound, Fonts, find_fonts, timeline_picture
from bot.export.timeline import CAPTION_LIMIT, Kind, Point, text_alternative, timeline_points
from bot.i18n import LOCALES, gettext

from .conftest import Case

OWN_LETTERS = {"ky": "ңөү", "tg": "ӣӯҳҷқ", "uz": "ʻ", "uz_Cyrl": "ўқҳ", "ru": "ы"}


@pytest.fixture(scope="module")
def fonts() -> Fonts:
    return find_fonts()


@pytest.fixture(scope="module")
def covered(fonts: Fonts) -> set[str]:
    """Characters both font files map to a real glyph."""
    maps = []
    for path in (fonts.regular, fonts.bold):
        with TTFont(path) as font:
            maps.append({chr(c) for c, glyph in font.getBestCmap().items() if glyph != ".notdef"})
    return maps[0] & maps[1]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_letter_drawn_has_a_glyph(
    locale: str, covering_cases: list[Case], shipped_ruleset: Ruleset, fonts, covered
):
    letters_seen: set[str] = set()
    for case in covering_cases:
        picture = timeline_picture(case.assessment, shipped_ruleset, locale, fonts=fonts)
        drawn = set(picture.drawn) - {"\n"}
        assert drawn - covered == set(), (locale, case.name, sorted(drawn - covered))
        assert picture.missing_glyphs == frozenset()
        letters_seen |= drawn
        header = shipped_ruleset.header
        for deadline in case.assessment.deadlines:
            for word in header.deadlines[deadline.id].label.get(locale).split():
                assert word in picture.drawn, (locale, word)
            assert format_day(deadline.date, locale) in picture.drawn
    assert set(OWN_LETTERS[locale]) <= letters_seen, "the check saw the language's own letters"


def test_the_check_finds_a_letter_the_font_lacks(fonts: Fonts):
    assert fonts.missing("Мөөнөт 漢") == frozenset({"漢"})
    assert fonts.missing("Muddat oʻtdi\nМуддати ўтди ҳ ҷ ӣ ӯ ң") == frozenset()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_phone_sized_png_with_its_text_alternative(
    locale: str, covering_cases: list[Case], shipped_ruleset: Ruleset, fonts
):
    _ = gettext(locale)
    case = covering_cases[0]
    picture = timeline_picture(case.assessment, shipped_ruleset, locale, fonts=fonts)
    image = Image.open(io.BytesIO(picture.png))
    assert image.format == "PNG"
    assert image.size == (picture.width, picture.height) and picture.width == 1080
    assert 800 < picture.height < 4000
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 20, "text was drawn, not an empty page"
    assert len(picture.text) <= CAPTION_LIMIT
    assert picture.text.startswith(_("Your timeline"))
    assert f"{format_day(case.as_of, locale)} — {_('Today')}" in picture.text
    for deadline in case.assessment.deadlines:
        label = shipped_ruleset.header.deadlines[deadline.id].label.get(locale)
        assert f"{format_day(deadline.date, locale)} — {label}" in picture.text


def test_points_in_date_order_with_entry_today_and_the_last_lawful_day(
    deadline_cases: list[Case], shipped_ruleset: Ruleset
):
    _ = gettext("uz")
    case = next(
        c
        for c in deadline_cases
        if c.assessment.deadline("stay_limit") and "entry_date" in c.assessment.answers
    )
    points = timeline_points(case.assessment, shipped_ruleset, "uz", _)
    assert [p.day for p in points] == sorted(p.day for p in points)
    kinds = [p.kind for p in points]
    assert kinds.count(Kind.ENTRY) == 1 and kinds.count(Kind.TODAY) == 1
    last = next(p for p in points if p.kind is Kind.LAST_LAWFUL_DAY)
    assert last.day == case.assessment.deadline("stay_limit").date
    days = (last.day - case.as_of).days
    assert last.tag == (_("Days left: {days}").format(days=days) if days > 0 else _("Today"))
    assert next(p for p in points if p.kind is Kind.ENTRY).label == "Rossiyaga kirish"


def test_a_passed_deadline_says_overdue(deadline_cases: list[Case], shipped_ruleset: Ruleset):
    _ = gettext("ky")
    case = deadline_cases[0]
    later = dataclasses.replace(
        case.assessment, as_of=max(d.date for d in case.assessment.deadlines) + timedelta(days=1)
    )
    tags = [
        p.tag
        for p in timeline_points(later, shipped_ruleset, "ky", _)
        if p.kind in (Kind.DEADLINE, Kind.LAST_LAWFUL_DAY)
    ]
    assert tags and set(tags) == {"Мөөнөтү өтүп кетти"}


def test_a_long_text_alternative_is_cut_at_a_line_end():
    points = [
        Point(day, Kind.DEADLINE, "Муддат " * 10, tag="3")
        for day in (date(2027, 1, 1) + timedelta(days=n) for n in range(40))
    ]
    text = text_alternative(points, "Heading", "Status", "uz_Cyrl")
    assert len(text) <= CAPTION_LIMIT
    assert text.endswith("…")
    assert all(line.endswith("(3)") for line in text.splitlines()[2:-1])


def test_no_font_is_one_clear_line(tmp_path):
    with pytest.raises(FontNotFound) as raised:
        find_fonts(tmp_path)
    message = str(raised.value)
    assert "\n" not in message and "fonts-dejavu-core" in message and str(tmp_path) in message
    with pytest.raises(FontNotFound):
        find_fonts(folders=(str(tmp_path / "a"), str(tmp_path / "b")))


def test_the_font_has_every_letter_the_picture_can_draw(shipped_ruleset: Ruleset, covered):
    """All ruleset texts, all catalog strings and every month's name in all five locales."""
    from babel.messages.pofile import read_po

    from bot.i18n import DEFAULT_LOCALES_DIR, DOMAIN

    texts: list[str] = []
    for locale in LOCALES:
        with (DEFAULT_LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
            texts += [str(m.string) for m in read_po(po) if m.id]
        texts += [format_day(date(2026, month, 28), locale) for month in range(1, 13)]
        header = shipped_ruleset.header
        texts += [kind.label.get(locale) for kind in header.deadlines.values()]
        texts += [s.title.get(locale) for s in header.statuses.values()]
        texts += [header.disclaimer.get(locale)]
        for outcome in shipped_ruleset.outcomes:
            texts += [d.note.get(locale) for d in outcome.deadlines if d.note is not None]
    letters = set("".join(texts)) - {"\n"}
    assert letters - covered == set()
    assert set("ңөүғӣқӯҳҷʻў«»—") <= letters
