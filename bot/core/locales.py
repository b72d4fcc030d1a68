"""The one registry of the languages Hamroh speaks, and the one legal time zone.

Why one place: the list of locales used to be spelled in four modules (the
catalogs, the rules schema, the date formats, the language picker). Adding a
language now means one :class:`Locale` line here, its gettext catalog in
``locales/`` and its texts in ``rules/`` — nothing else.

Each locale has our own code (used in storage, the rules files and the catalogs),
the Babel/CLDR code for dates, the language tags Telegram clients send, the
two-letter code Telegram's command menu accepts, its own name and "Choose a
language" in itself. The tuple order is the order of the language picker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    """One interface language."""

    code: str
    """Our id: storage, ``rules/*.yaml`` keys, ``locales/<code>/``."""
    name: str
    """The language named in itself, as the picker shows it."""
    babel: str
    """The CLDR locale Babel formats dates with (``uz`` is ``uz_Latn`` there)."""
    telegram_tags: tuple[str, ...]
    """Lower-case IETF tags (``-`` separated) of Telegram's ``language_code`` meaning it."""
    menu_code: str | None
    """The ISO 639-1 code ``setMyCommands`` takes for it; ``None`` when another locale of
    the same language already has that code (Telegram knows one menu per code)."""
    choose_prompt: str
    """"Choose a language", written in this language."""


REGISTRY: tuple[Locale, ...] = (
    Locale("ky", "Кыргызча", "ky", ("ky",), "ky", "Тилди тандаңыз"),
    Locale("tg", "Тоҷикӣ", "tg", ("tg",), "tg", "Забонро интихоб кунед"),
    Locale("uz", "Oʻzbekcha", "uz_Latn", ("uz", "uz-latn"), "uz", "Tilni tanlang"),
    Locale("uz_Cyrl", "Ўзбекча", "uz_Cyrl", ("uz-cyrl",), None, "Тилни танланг"),
    Locale("ru", "Русский", "ru", ("ru",), "ru", "Выберите язык"),
)
"""Every locale, in the order of the language picker."""

FALLBACK = "ru"
"""The locale of a missing translation or an unknown request (most users read Russian)."""

BY_CODE: dict[str, Locale] = {locale.code: locale for locale in REGISTRY}

LOCALES: tuple[str, ...] = (FALLBACK, *(loc.code for loc in REGISTRY if loc.code != FALLBACK))
"""The locale codes, the fallback first (the rules schema and the catalogs use this order)."""

PICKER_ORDER: tuple[str, ...] = tuple(locale.code for locale in REGISTRY)

LANGUAGE_NAMES: dict[str, str] = {locale.code: locale.name for locale in REGISTRY}
"""Each language named in itself, in picker order."""

LEGAL_TIMEZONE = dt.timezone(dt.timedelta(hours=3), "MSK")
"""The day answers are judged on. Deadlines are counted in calendar days in Russia;
Moscow time (UTC+3, no DST) is the day most users live by and the one the MVD offices
around Moscow count in."""


def normalize_locale(locale: str | None) -> str:
    """A stored or requested locale, or the fallback when it is not one of ours."""
    return locale if locale in BY_CODE else FALLBACK


def babel_locale(locale: str) -> str:
    """The CLDR locale for Babel's formatting functions."""
    return BY_CODE[normalize_locale(locale)].babel


def locale_from_tag(language_code: str | None) -> str:
    """Our locale for an IETF language tag (Telegram's ``language_code``); the fallback
    otherwise. ``Locale.negotiate`` does not know that ``uz`` is Latin script."""
    if not language_code:
        return FALLBACK
    code = language_code.strip().lower().replace("_", "-")
    tags = {tag: locale.code for locale in REGISTRY for tag in locale.telegram_tags}
    if code in tags:
        return tags[code]
    return tags.get(code.split("-", 1)[0], FALLBACK)


def today_in_law(now: dt.datetime) -> dt.date:
    """The legal day (``as_of``) at the aware instant ``now``."""
    return now.astimezone(LEGAL_TIMEZONE).date()
