"""The timeline picture (PNG): entry, today, each deadline and the last lawful day.

Why a picture: it is kept in the phone's gallery and read at a glance, without the
bot or a connection. Drawn with Pillow, about 1,080 px wide (a phone screen at 3x),
one row per point in date order on a vertical line, in the person's language and
script, with the text alternative that goes with it as the message's caption.

Every character drawn is checked against the font's character map
(:meth:`bot.export.fonts.Fonts.missing`); :attr:`TimelinePicture.missing_glyphs` says
which, if any, would show as an empty box. The words are the ruleset's (deadline
names) and the catalogs' (interface words); nothing about the person but their dates.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.rules import Assessment, Ruleset
from bot.core.rules.present import format_day
from bot.i18n import Catalogs, Translator, gettext, normalize_locale

from .deadlines import deadline_words, merged_deadlines
from .fonts import Fonts

if TYPE_CHECKING:  # Pillow is imported where a picture is drawn: the bot starts without it
    from PIL import Image, ImageFont

TIMELINE_FILENAME = "timeline.png"
TIMELINE_MEDIA_TYPE = "image/png"
DEFAULT_WIDTH = 1080
CAPTION_LIMIT = 1024
"""Telegram's caption limit; the text alternative is cut to it at a line end."""
LAST_LAWFUL_DAY = "stay_limit"
"""The deadline id that is the last lawful day (90 days in a year)."""

INK, GREY, LINE, PAPER = "#1f2328", "#59636e", "#d1d9e0", "#ffffff"
BLUE, AMBER, RED, GREEN = "#0969da", "#9a6700", "#cf222e", "#1a7f37"
STATUS_COLOURS = {
    "legal": GREEN,
    "action_needed": AMBER,
    "irregular": RED,
    "controlled": RED,
    "entry_banned": RED,
    "unclear": GREY,
}


class Kind(Enum):
    ENTRY = 0
    TODAY = 1
    DEADLINE = 2
    LAST_LAWFUL_DAY = 3


@dataclass(frozen=True)
class Point:
    """One row of the timeline, in words."""

    day: date
    kind: Kind
    label: str
    notes: tuple[str, ...] = ()
    tag: str = ""
    """"Days left: 12", "Overdue", "Today" or nothing (entry, today's own row)."""
    colour: str = INK


@dataclass(frozen=True)
class TimelinePicture:
    png: bytes
    text: str
    """The text alternative: the same points as lines, at most ``CAPTION_LIMIT`` long."""
    width: int
    height: int
    drawn: str
    """Every text drawn, one line each, for the glyph check."""
    missing_glyphs: frozenset[str]
    """Drawn characters the font has no glyph for (empty when the font fits)."""


def timeline_points(
    assessment: Assessment, ruleset: Ruleset, locale: str, _: Translator
) -> list[Point]:
    """Entry, today and every deadline, in date order (entry, today, deadlines on a tie)."""
    today = assessment.as_of
    points = [Point(today, Kind.TODAY, _("Today"), colour=BLUE)]
    entry = assessment.answers.get("entry_date")
    if isinstance(entry, date):
        points.append(Point(entry, Kind.ENTRY, _("Entry to Russia"), colour=GREY))
    for deadline in merged_deadlines(assessment):
        words = deadline_words(deadline, assessment, ruleset, locale)
        days = (deadline.date - today).days
        last = deadline.id == LAST_LAWFUL_DAY
        if days < 0:
            tag, colour = _("Overdue"), RED
        elif days == 0:
            tag, colour = _("Today"), RED
        else:
            tag, colour = _("Days left: {days}").format(days=days), (RED if last else AMBER)
        kind = Kind.LAST_LAWFUL_DAY if last else Kind.DEADLINE
        points.append(Point(deadline.date, kind, words.label, words.notes, tag, colour))
    points.sort(key=lambda p: (p.day, p.kind.value))
    return points


def text_alternative(
    points: list[Point], heading: str, status: str, locale: str, limit: int = CAPTION_LIMIT
) -> str:
    """The picture in lines of text (for screen readers and the message's caption)."""
    lines = [heading, status]
    for point in points:
        line = f"{format_day(point.day, locale)} — {point.label}"
        if point.tag:
            line += f" ({point.tag})"
        lines.append(line)
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > limit - 2:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


# --------------------------------------------------------------------------- drawing


@lru_cache(maxsize=32)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    # Basic layout: the five locales need no shaping (no combining marks, left to right).
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word wider than a line is cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while font.getlength(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and font.getlength(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@dataclass(frozen=True)
class _Text:
    x: int
    y: int
    text: str
    font: ImageFont.FreeTypeFont
    colour: str


class _Layout:
    """Places text top to bottom and remembers it, so the height is known before drawing."""

    def __init__(self, fonts: Fonts, width: int, locale: str) -> None:
        self.fonts = fonts
        self.locale = locale
        self.width = width
        self.scale = width / DEFAULT_WIDTH
        self.margin = self.px(64)
        self.y = self.px(64)
        self.texts: list[_Text] = []
        self.dots: list[tuple[int, str, Kind]] = []

    def px(self, value: float) -> int:
        return round(value * self.scale)

    def font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _font(self.fonts.bold if bold else self.fonts.regular, self.px(size))

    def paragraph(
        self, text: str, size: int, colour: str, x: int, bold: bool = False, gap: float = 1.3
    ) -> None:
        font = self.font(size, bold)
        for line in _wrap(text, font, self.width - x - self.margin):
            self.texts.append(_Text(x, self.y, line, font, colour))
            self.y += self.px(size * gap)

    def row(self, point: Point, x_text: int) -> None:
        date_font, tag_font = self.font(40, bold=True), self.font(32, bold=True)
        shown = format_day(point.day, self.locale)
        self.dots.append((self.y + self.px(24), point.colour, point.kind))
        self.texts.append(_Text(x_text, self.y, shown, date_font, point.colour))
        if point.tag:
            tag_width = round(tag_font.getlength(point.tag))
            room = self.width - self.margin - x_text - round(date_font.getlength(shown))
            if tag_width + self.px(24) <= room:
                tag_y = self.y + self.px(6)
                x_tag = self.width - self.margin - tag_width
                self.texts.append(_Text(x_tag, tag_y, point.tag, tag_font, point.colour))
            else:
                self.y += self.px(52)
                self.texts.append(_Text(x_text, self.y, point.tag, tag_font, point.colour))
        self.y += self.px(56)
        bold = point.kind in (Kind.TODAY, Kind.LAST_LAWFUL_DAY)
        self.paragraph(point.label, 34, INK, x_text, bold=bold)
        for note in point.notes:
            self.paragraph(note, 28, GREY, x_text)
        self.y += self.px(36)


def timeline_picture(
    assessment: Assessment,
    ruleset: Ruleset,
    locale: str,
    *,
    fonts: Fonts,
    catalogs: Catalogs | None = None,
    width: int = DEFAULT_WIDTH,
) -> TimelinePicture:
    """The timeline of ``assessment`` as a PNG in ``locale``, with its text alternative."""
    locale = normalize_locale(locale)
    _ = gettext(locale, catalogs)
    points = timeline_points(assessment, ruleset, locale, _)
    heading = _("Your timeline")
    subtitle = _("Result as of {date}").format(date=format_day(assessment.as_of, locale))
    status = ruleset.header.statuses[assessment.status].title.get(locale)
    status_colour = STATUS_COLOURS.get(assessment.status, INK)

    layout = _Layout(fonts, width, locale)
    margin = layout.margin
    layout.paragraph(heading, 56, INK, margin, bold=True, gap=1.25)
    layout.paragraph(subtitle, 32, GREY, margin)
    layout.y += layout.px(12)
    layout.paragraph(status, 40, status_colour, margin, bold=True)
    layout.y += layout.px(40)
    x_line, x_text = margin + layout.px(18), margin + layout.px(72)
    for point in points:
        layout.row(point, x_text)
    layout.y += layout.px(8)
    footer_top = layout.y
    layout.paragraph(ruleset.header.disclaimer.get(locale), 26, GREY, margin)
    reviewed = format_day(ruleset.header.content_reviewed, locale)
    layout.paragraph(_("Rules last checked: {date}").format(date=reviewed), 26, GREY, margin)
    height = layout.y + layout.px(40)

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    if layout.dots:
        top, bottom = layout.dots[0][0], layout.dots[-1][0]
        draw.line([(x_line, top), (x_line, bottom)], fill=LINE, width=layout.px(6))
    for y, colour, kind in layout.dots:
        radius = layout.px(18 if kind in (Kind.TODAY, Kind.LAST_LAWFUL_DAY) else 14)
        box = [(x_line - radius, y - radius), (x_line + radius, y + radius)]
        if kind is Kind.TODAY:
            draw.ellipse(box, fill=PAPER, outline=colour, width=layout.px(7))
        else:
            draw.ellipse(box, fill=colour)
    draw.line(
        [(margin, footer_top - layout.px(20)), (width - margin, footer_top - layout.px(20))],
        fill=LINE,
        width=layout.px(2),
    )
    for item in layout.texts:
        draw.text((item.x, item.y), item.text, font=item.font, fill=item.colour)

    png = encode_png(image)
    drawn = "\n".join(item.text for item in layout.texts)
    return TimelinePicture(
        png=png,
        text=text_alternative(points, f"{heading}. {subtitle}.", status, locale),
        width=width,
        height=height,
        drawn=drawn,
        missing_glyphs=fonts.missing(drawn),
    )


def encode_png(image: Image.Image) -> bytes:
    """A palette PNG: a few colours and their anti-aliased edges fit in 64 entries.

    Less than half the bytes of an RGB PNG and, with light compression, about as
    fast to make (measured in benchmarks/bench_6_timeline.py).
    """
    from PIL import Image

    buffer = io.BytesIO()
    palette = image.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    palette.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
