"""Screens to HTML: the Jinja2 templates, their environment and the page budget.

Why server-rendered HTML and these rules: the pages must work in Opera Mini and old
Android browsers, over slow links, without JavaScript. So every action is a form
button, every link is relative (the same pages work under any address or path
prefix a mirror uses), the CSS and the small script come from our own origin, and
a page stays far under 30 KB. Jinja2 escapes every value (autoescape), so texts
from the catalogs, the ruleset or an answer can never become markup.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bot.app.screens import action_key
from bot.core.card import STATUS_ICONS
from bot.core.locales import REGISTRY

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

HTML_LANG = {locale.code: locale.code.replace("_", "-") for locale in REGISTRY} | {"uz": "uz-Latn"}
"""BCP 47 tags for ``<html lang>`` (screen readers, hyphenation, fonts)."""

Part = TypeVar("Part")


class SameForEveryone(Generic[Part]):
    """Parts of pages made once and kept, for the day they were made on.

    Only for what holds nothing of the person: the key names a language, a
    question, a button row (never an answer), and the caller keeps anything that
    shows an answer out (the web keeps nothing about anyone). Why: a page's whole
    budget is a fraction of a millisecond (BENCHMARKS.md, 7), and a question's
    text, buttons and "why we ask" are the same for everyone who sees them. The
    parts of other days go at the first request of a new day; at most ``limit``.
    """

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._day: date | None = None
        self._parts: dict[Hashable, Part] = {}

    def get(self, day: date, key: Hashable, make: Callable[[], Part]) -> Part:
        if day != self._day:
            self._parts.clear()
            self._day = day
        part = self._parts.get(key)
        if part is None:
            if len(self._parts) >= self.limit:
                self._parts.clear()
            part = self._parts[key] = make()
        return part

    def __len__(self) -> int:
        return len(self._parts)


class _Mark(Markup):
    """Where a text goes in a macro drawn once (:class:`Drawn`), standing for a text
    that is not empty."""


class _EmptyMark(_Mark):
    """The same for an empty text (None, "", ()): false to the macro's ``{% if %}``."""

    def __bool__(self) -> bool:
        return False


_CUT = "\x00"
"""Around a mark's number in a drawn macro (no text of ours holds it)."""


@dataclass(frozen=True)
class _Slots:
    """A macro's output cut at its marks: its first piece of markup, then each mark's
    place among the texts with the markup that follows it."""

    first: str
    rest: tuple[tuple[int, str], ...]

    def fill(self, texts: tuple[Any, ...]) -> str:
        parts = [self.first]
        for place, markup in self.rest:
            parts += (escape(texts[place]), markup)
        return "".join(parts)


class Drawn:
    """A Jinja2 macro drawn once with a mark where each of its texts goes, then filled
    in per page: the same output as calling it, for a fraction of the time.

    Why: a result page is some forty small lines (the card's, each deadline, the
    answers), and Jinja2's work per line (a context, lookups, the ``{% if %}`` tests)
    cost more than the rest of the page's template (BENCHMARKS.md, 7). The macro is
    drawn once for each shape its texts can take (each empty or not), before any page,
    so what is kept is markup only, the same for everyone; a text is escaped as
    Jinja2's autoescape does (``markupsafe.escape``). So a macro drawn this way may
    only print its texts or test whether they are empty.
    """

    def __init__(self, macro: Callable[..., str], texts: int) -> None:
        self._shapes: dict[tuple[bool, ...], _Slots] = {}
        for shape in itertools.product((True, False), repeat=texts):
            marks = [
                (_Mark if full else _EmptyMark)(f"{_CUT}{place}{_CUT}")
                for place, full in enumerate(shape)
            ]
            pieces = str(macro(*marks)).split(_CUT)
            rest = tuple(zip(map(int, pieces[1::2]), pieces[2::2], strict=True))
            self._shapes[shape] = _Slots(pieces[0], rest)

    def __call__(self, *texts: Any) -> str:
        return self._shapes[tuple(map(bool, texts))].fill(texts)


@dataclass(frozen=True)
class StaticFile:
    """A file served from memory with a content hash in its URL (cached for a year)."""

    name: str
    body: bytes
    media_type: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:12]


def load_static() -> dict[str, StaticFile]:
    """The stylesheet and the script, read once at start."""
    types = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
    return {
        path.name: StaticFile(path.name, path.read_bytes(), types[path.suffix])
        for path in sorted(STATIC.iterdir())
        if path.suffix in types
    }


def environment(static: dict[str, StaticFile]) -> Environment:
    """The template environment: escaping on, unknown names are errors, compact output."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["static_version"] = {name: item.version for name, item in static.items()}
    env.globals["html_lang"] = HTML_LANG
    env.globals["status_icons"] = STATUS_ICONS
    env.globals["action_key"] = action_key
    return env
