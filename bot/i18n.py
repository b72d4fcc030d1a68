"""Interface strings in the user's language: gettext catalogs read through Babel.

Why gettext and these rules:

- msgids are English; every user-visible interface string (buttons, menus, errors,
  /help, /privacy) lives in ``locales/<locale>/LC_MESSAGES/hamroh.po``. Texts of
  questions and outcomes are *not* here: they come from the ruleset.
- Catalogs are compiled from the ``.po`` files when the bot starts, so a checkout
  runs without a ``pybabel compile`` step (the compiled bytes are kept in the user's
  cache for the next start); a ``.mo`` file is used instead when it is newer than its
  ``.po`` (a release image may ship compiled catalogs).
- A string missing from a catalog falls back to Russian, never to English: most
  users read Russian better than English (and ``tests/test_catalogs.py`` fails on
  any missing string anyway).
- Placeholders are ``{name}`` and filled with ``str.format``.
- The locales themselves (codes, names, Babel and Telegram codes) are named once,
  in :mod:`bot.core.locales`; they are re-exported here for the adapters.

The functions :func:`parse_error_message` and :func:`date_hint` are shared with the
terminal chat (``hamroh chat``), so they return plain text, not HTML.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import __version__ as babel_version
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.core import wording
from bot.core.answers import ParseError
from bot.core.locales import FALLBACK as FALLBACK
from bot.core.locales import LANGUAGE_NAMES as LANGUAGE_NAMES
from bot.core.locales import LOCALES as LOCALES
from bot.core.locales import REGISTRY, locale_from_tag
from bot.core.locales import normalize_locale as normalize_locale
from bot.core.rules.model import Question
from bot.core.rules.present import format_day
from bot.core.user_cache import entry_name, read_entry, write_entry

logger = logging.getLogger(__name__)

DOMAIN = "hamroh"
DEFAULT_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

MENU_LANGUAGE_CODES: dict[str, str] = {
    locale.menu_code: locale.code for locale in REGISTRY if locale.menu_code is not None
}
"""Two-letter codes for ``setMyCommands`` → the locale whose texts the menu uses.

Telegram takes only ISO 639-1 codes here, so every ``uz`` client gets the Latin menu.
"""

Translator = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it later with ``_()``."""
    return message


def locale_from_telegram(language_code: str | None) -> str:
    """Our locale for Telegram's ``language_code`` (an IETF tag); Russian otherwise."""
    return locale_from_tag(language_code)


# --------------------------------------------------------------------------- catalogs


def _read_catalog(directory: Path, locale: str) -> NullTranslations:
    folder = directory / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(fp=handle, domain=DOMAIN)
    if not po.exists():
        return NullTranslations()  # Catalogs.missing names it
    return Translations(fp=io.BytesIO(_compiled(po.read_bytes(), locale)), domain=DOMAIN)


def _compiled(po_text: bytes, locale: str) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file, kept in the user's cache by the file's text.

    Compiling the five catalogs with Babel is ~80 ms of every start of a checkout
    (which has no ``.mo`` files); reading one kept from the last start, well under 1 ms.
    """
    name = entry_name(DOMAIN, locale, babel_version, po_text) + ".mo"
    kept = read_entry("catalogs", name)
    if kept is not None:
        return kept
    catalog = read_po(io.BytesIO(po_text), locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    write_entry("catalogs", name, buffer.getvalue())
    return buffer.getvalue()


class Catalogs:
    """The five catalogs, each falling back to Russian for a missing string."""

    def __init__(self, directory: Path | str = DEFAULT_LOCALES_DIR) -> None:
        self.directory = Path(directory)
        russian = _read_catalog(self.directory, FALLBACK)
        self._translations: dict[str, NullTranslations] = {FALLBACK: russian}
        for locale in LOCALES:
            if locale == FALLBACK:
                continue
            translations = _read_catalog(self.directory, locale)
            translations.add_fallback(russian)
            self._translations[locale] = translations
        self.missing: tuple[str, ...] = tuple(
            locale for locale in LOCALES if type(self._translations[locale]) is NullTranslations
        )
        """Locales without a catalog in ``directory``: their people would read English."""

    def gettext(self, locale: str | None) -> Translator:
        """``_`` for one locale: ``_ = catalogs.gettext("ky"); _("Back")``."""
        return self._translations[normalize_locale(locale)].gettext


@lru_cache(maxsize=8)
def load_catalogs(directory: Path | str = DEFAULT_LOCALES_DIR) -> Catalogs:
    """Catalogs from ``directory``, read once per process (a missing one is a warning:
    its language falls back to Russian, then English; services use
    :func:`require_catalogs`)."""
    catalogs = Catalogs(directory)
    if catalogs.missing:
        logger.warning("no catalog for %s in %s", ", ".join(catalogs.missing), directory)
    return catalogs


class CatalogsUnusable(Exception):
    """The interface catalogs cannot serve every language; ``str()`` is one line for
    the operator."""


def require_catalogs(directory: Path | str = DEFAULT_LOCALES_DIR) -> Catalogs:
    """Catalogs from ``directory`` for a service that starts (``hamroh run``, ``hamroh
    web``): all five, or :class:`CatalogsUnusable` saying which are missing or cannot
    be read. Without a catalog, the people of that language would get every button
    and message in English (the chat and the tools only warn)."""
    try:
        catalogs = Catalogs(directory)
    except (OSError, ValueError, UnicodeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CatalogsUnusable(
            f"the interface catalogs in {directory} cannot be read ({reason})"
        ) from None
    if catalogs.missing:
        raise CatalogsUnusable(
            f"no interface catalog for {', '.join(catalogs.missing)} in {directory} "
            f"(expected <locale>/LC_MESSAGES/{DOMAIN}.po)"
        )
    return catalogs


def gettext(locale: str | None, catalogs: Catalogs | None = None) -> Translator:
    """The translator for ``locale`` (default catalogs unless ``catalogs`` is given)."""
    return (catalogs or load_catalogs()).gettext(locale)


# --------------------------------------------------------------------------- input help


def _day(value: Any, locale: str) -> str:
    return format_day(value, locale) if isinstance(value, date) else str(value)


def _sentence(text: str) -> str:
    """`text` ending with a full stop, unless it already ends a sentence («… 2026 г.»)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def parse_error_message(
    error: ParseError,
    locale: str,
    catalogs: Catalogs | None = None,
    *,
    choices_typed: bool = False,
) -> str:
    """Why typed input was not understood, in the user's language: one sentence, with
    its full stop (plain text). The hint is the adapter's to add, once.
    ``choices_typed``: the channel picks a choice by its number, not a button."""
    if choices_typed and error.code == "not_an_option":
        _ = gettext(locale, catalogs)
        return _sentence(_("I did not understand. Please type the number of an answer."))
    return _sentence(_parse_error_text(error, locale, catalogs))


def understood_message(day: date, locale: str, catalogs: Catalogs | None = None) -> str:
    """The date the bot understood, said back in the user's grammar: «Записал дату:
    9 января 2027 г.», so a wrong guess of a missing year is seen at once."""
    _ = gettext(locale, catalogs)
    return _sentence(_("I wrote down the date: {date}").format(date=format_day(day, locale)))


def days_count(number: int, locale: str) -> str:
    """«1 день», «2 дня», «5 дней» in Russian; «5 күн», «5 рӯз», «5 kun» in the others."""
    return wording.days_count(number, normalize_locale(locale))


def _parse_error_text(error: ParseError, locale: str, catalogs: Catalogs | None) -> str:
    _ = gettext(locale, catalogs)
    params = error.params
    code = error.code
    if code == "not_a_date":
        return _("I could not read this date.")
    if code == "no_such_day":
        try:
            typed = f"{int(params['day']):02d}.{int(params['month']):02d}.{int(params['year'])}"
        except (KeyError, TypeError, ValueError):
            typed = "?"
        return _("There is no such day in the calendar: {date}").format(date=typed)
    if code == "no_such_month":
        return _("There is no month number {month}: a year has 12 months.").format(
            month=params.get("month", "?")
        )
    if code == "date_in_future":
        return _("This day has not come yet: {date}").format(date=_day(params.get("date"), locale))
    if code == "date_in_past":
        return _("This day has already passed: {date}").format(
            date=_day(params.get("date"), locale)
        )
    if code == "date_too_early":
        return _("This date is too long ago, please check the year: {date}").format(
            date=_day(params.get("date"), locale)
        )
    if code == "date_too_late":
        return _("This date is too far ahead, please check the year: {date}").format(
            date=_day(params.get("date"), locale)
        )
    if code == "not_a_number":
        return _("I could not read this number.")
    if code == "number_too_small":
        return _("The number cannot be less than {min}.").format(min=params.get("min", 0))
    if code == "number_too_large":
        return _("The number cannot be more than {max}.").format(max=params.get("max", "?"))
    if code == "not_an_option":
        return _("I did not understand. Please tap one of the buttons.")
    if code == "too_long":
        return _("This message is too long. Please answer in a few words.")
    if code == "no_question":
        return _("There is no open question right now.")
    return _("I did not understand the answer.")


def date_hint(locale: str, catalogs: Catalogs | None = None) -> str:
    """How to type a date, for date questions whose ruleset hint gives no example."""
    _ = gettext(locale, catalogs)
    return _("Write the date as day, month, year, for example 05.02.2025.")


def number_hint(locale: str, catalogs: Catalogs | None = None) -> str:
    """How to type a number, for number questions without a ruleset hint."""
    _ = gettext(locale, catalogs)
    return _("Write a number with digits, for example 25.")


def question_hint(question: Question, locale: str, catalogs: Catalogs | None = None) -> str | None:
    """The hint to show under a question that takes typed input; ``None`` for buttons only.

    The ruleset's own hint wins (it says where to find the date on the papers);
    otherwise a generic "how to type it" line.
    """
    if question.type not in ("date", "integer"):
        return None
    if question.hint is not None:
        return question.hint.get(normalize_locale(locale))
    if question.type == "date":
        return date_hint(locale, catalogs)
    return number_hint(locale, catalogs)
