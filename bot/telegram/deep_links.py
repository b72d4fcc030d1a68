"""``t.me/<bot>?start=<language>``: links and QR codes that open the bot in a language.

Why: posters and leaflets are printed per language; a person who scans the Kyrgyz
QR code should see Kyrgyz preselected in the language picker even when their phone
is set to Russian. Telegram sends such a link's payload as ``/start <payload>``.
A payload that is not one of our locales (``ru``, ``ky``, ``tg``, ``uz``,
``uz_Cyrl``; case does not matter) is ignored.

Counting: how often each link was used, for ``/stats`` (which posters work) — one
number per language in ``bot_state``, never who used it.
"""

from __future__ import annotations

import asyncio
from typing import Final

from bot.i18n import LOCALES
from bot.storage import Storage

_KEY: Final = "start_link:"
_BY_LOWER: Final = {locale.lower(): locale for locale in LOCALES}
_count_lock = asyncio.Lock()
"""One increment at a time (read and write of a counter are two statements)."""


def locale_of(payload: str | None) -> str | None:
    """The locale a ``/start`` payload names, or ``None`` for no or an unknown payload."""
    if not payload:
        return None
    return _BY_LOWER.get(payload.strip().lower().replace("-", "_"))


async def count(storage: Storage, locale: str) -> None:
    """One more use of the link for ``locale``."""
    async with _count_lock:
        current = await storage.get_state(_KEY + locale)
        number = int(current) if current and current.isdecimal() else 0
        await storage.set_state(_KEY + locale, str(number + 1))


async def counts(storage: Storage) -> dict[str, int]:
    """Uses of each language's link so far (languages never used are left out)."""
    found = {}
    for locale in LOCALES:
        value = await storage.get_state(_KEY + locale)
        if value and value.isdecimal() and int(value):
            found[locale] = int(value)
    return found


def stats_line(found: dict[str, int]) -> str:
    """The ``/stats`` line about the links (admins read English)."""
    if not found:
        return "Start links (t.me/…?start=ky): none used yet"
    used = ", ".join(f"{locale} {number}" for locale, number in found.items())
    return f"Start links (t.me/…?start=ky): {used}"
