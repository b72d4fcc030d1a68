"""Benchmark 6: making the timeline picture and the calendar file.

The case is the shipped rule test with the most deadlines (a patent holder: four
deadlines, entry and today), drawn in each of the five locales.

* ours: ``timeline_picture`` (words, layout with word wrap, drawing, PNG, glyph
  check), warm (fonts loaded) and the first call of the process (cold);
* baseline: Pillow alone drawing the same text items (the lines ours drew) at fixed
  places on a canvas of the same size and encoding it as PNG: no words, no layout,
  no glyph check. ``ours - baseline`` is what the layout costs;
* the calendar file: ``calendar_file`` for the same assessment, against icalendar
  serialising an already built calendar with the same events (``to_ical`` only).

Target: one picture in < 150 ms.

    python benchmarks/bench_6_timeline.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import UTC, datetime

import _common
from icalendar import Calendar
from PIL import Image, ImageDraw, ImageFont

from bot.core.rules import evaluate, load_ruleset
from bot.export import calendar_file, find_fonts, timeline_picture
from bot.export.timeline import encode_png
from bot.i18n import LOCALES

TARGET_MS = 150.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _baseline_draw(lines: list[str], size: tuple[int, int], font_path: str) -> bytes:
    """The same number of text items, drawn where they fall, with no layout."""
    font = _font(font_path, 36)
    image = Image.new("RGB", size, "#ffffff")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((64, 40 + n * 46), line, font=font, fill="#1f2328")
    return encode_png(image)  # the same PNG encoding as ours


_FONTS: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    key = (path, size)
    if key not in _FONTS:
        _FONTS[key] = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
    return _FONTS[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20, help="pictures per locale")
    args = parser.parse_args()
    started = time.perf_counter()
    _common.header("6. timeline picture and calendar file")

    ruleset = load_ruleset(_common.ROOT / "rules")
    cases = [(t.case, evaluate(t.case.answers, t.case.as_of, ruleset)) for t in ruleset.tests]
    case, assessment = max(cases, key=lambda c: (len(c[1].deadlines), c[0].name))
    print(f"case: {case.name!r}, {len(assessment.deadlines)} deadlines, as of {case.as_of}")
    fonts = find_fonts()

    began = time.perf_counter()
    first = timeline_picture(assessment, ruleset, "ru", fonts=fonts)
    cold = time.perf_counter() - began
    print(f"first picture of the process (fonts and character map read): {_ms(cold)}")

    ours_all: list[float] = []
    ours_cpu: list[float] = []
    base_all: list[float] = []
    for locale in LOCALES:
        ours: list[float] = []
        base: list[float] = []
        for _ in range(args.rounds):
            began, cpu_began = time.perf_counter(), time.process_time()
            picture = timeline_picture(assessment, ruleset, locale, fonts=fonts)
            ours.append(time.perf_counter() - began)
            ours_cpu.append(time.process_time() - cpu_began)
            lines = picture.drawn.split("\n")
            began = time.perf_counter()
            _baseline_draw(lines, (picture.width, picture.height), str(fonts.regular))
            base.append(time.perf_counter() - began)
        assert picture.missing_glyphs == frozenset(), picture.missing_glyphs
        print(
            f"  {locale:8} {picture.width}x{picture.height}, {len(lines)} text items, "
            f"{len(picture.png) / 1024:.0f} KiB: ours median {_ms(_common.median(ours))} "
            f"(max {_ms(max(ours))}), baseline median {_ms(_common.median(base))}  "
            f"load {_common.loadavg()}"
        )
        ours_all += ours
        base_all += base
    ours_median, base_median = _common.median(ours_all), _common.median(base_all)
    print(
        f"picture, all locales: ours median {_ms(ours_median)}, "
        f"p90 {_ms(sorted(ours_all)[int(len(ours_all) * 0.9)])}; "
        f"baseline (Pillow, same items, no layout) {_ms(base_median)}; "
        f"layout and checks cost {_ms(ours_median - base_median)}"
    )
    cpu_median = _common.median(ours_cpu)
    print(
        "picture, CPU time of this process (what a picture costs, whatever else runs): "
        f"median {_ms(cpu_median)}"
    )
    wall_ok, cpu_ok = ours_median * 1000 < TARGET_MS, cpu_median * 1000 < TARGET_MS
    print(
        f"target < {TARGET_MS:.0f} ms per picture: wall {_common.verdict(wall_ok)}, "
        f"CPU {_common.verdict(cpu_ok)}"
    )

    image = Image.open(io.BytesIO(first.png)).convert("RGB")
    palette_times, rgb_times = [], []
    for _ in range(args.rounds):
        began = time.perf_counter()
        palette_png = encode_png(image)
        palette_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=6)
        rgb_times.append(time.perf_counter() - began)
    print(
        f"PNG of one picture: palette, level 1 (ours) {_ms(_common.median(palette_times))}, "
        f"{len(palette_png) / 1024:.0f} KiB; RGB, level 6 (Pillow's default) "
        f"{_ms(_common.median(rgb_times))}, {len(buffer.getvalue()) / 1024:.0f} KiB"
    )

    made_at = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    ics_times: list[float] = []
    serialise_times: list[float] = []
    for n in range(200):
        locale = LOCALES[n % len(LOCALES)]
        began = time.perf_counter()
        ics = calendar_file(assessment, ruleset, locale, made_at=made_at)
        ics_times.append(time.perf_counter() - began)
    built = Calendar.from_ical(ics)
    for _ in range(200):
        began = time.perf_counter()
        built.to_ical()
        serialise_times.append(time.perf_counter() - began)
    print(
        f"calendar file ({len(ics)} bytes, {len(list(built.walk('VEVENT')))} events): "
        f"ours median {_ms(_common.median(ics_times))}, "
        f"baseline (icalendar to_ical of the built calendar) "
        f"{_ms(_common.median(serialise_times))}"
    )
    _common.footer(started)


if __name__ == "__main__":
    main()
