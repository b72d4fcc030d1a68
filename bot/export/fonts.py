"""The font the timeline picture is drawn with, and which letters it really has.

DejaVu Sans (Debian's ``fonts-dejavu-core``; the Dockerfile installs it) has every
letter of the five locales: Kyrgyz ң ө ү, Tajik ғ ӣ қ ӯ ҳ ҷ, Uzbek oʻ with U+02BB and
Uzbek Cyrillic ў. Pillow draws a missing letter as an empty box without a word, so
the font's character map is read with fontTools and every drawn character is
checked against it (:meth:`Fonts.missing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEJAVU_FOLDERS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu",  # Fedora, Arch, Alpine
    "/usr/share/fonts/TTF",  # Arch (older)
    "/usr/local/share/fonts/dejavu",
    "/Library/Fonts",  # macOS, when installed by hand
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


class FontNotFound(RuntimeError):
    """No usable font: the message is one line saying what to install or set."""


@dataclass(frozen=True)
class Fonts:
    """The regular and bold font files of one family."""

    regular: Path
    bold: Path

    def missing(self, text: str) -> frozenset[str]:
        """Characters of ``text`` that either font has no glyph for (line breaks aside)."""
        wanted = {ord(c) for c in text if c not in "\n\r"}
        covered = _codepoints(str(self.regular)) & _codepoints(str(self.bold))
        return frozenset(chr(c) for c in wanted - covered)


@lru_cache(maxsize=8)
def _codepoints(path: str) -> frozenset[int]:
    """Every character the font maps to a glyph (its best Unicode ``cmap``)."""
    from fontTools.ttLib import TTFont  # imported here: the bot starts without it

    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap()
    return frozenset(code for code, glyph in cmap.items() if glyph != ".notdef")


def find_fonts(folder: str | Path | None = None, folders: Sequence[str] = DEJAVU_FOLDERS) -> Fonts:
    """DejaVu Sans regular and bold from ``folder`` (a setting) or the usual places.

    Raises :class:`FontNotFound` with one line naming what was looked for and where.
    """
    candidates: Iterable[str | Path] = [folder] if folder is not None else folders
    looked: list[str] = []
    for candidate in candidates:
        base = Path(candidate)
        looked.append(str(base))
        regular, bold = base / REGULAR, base / BOLD
        if regular.is_file() and bold.is_file():
            return Fonts(regular, bold)
    raise FontNotFound(
        f"timeline picture: no {REGULAR} and {BOLD} in {', '.join(looked)}; "
        "install Debian's fonts-dejavu-core or set the font folder"
    )
