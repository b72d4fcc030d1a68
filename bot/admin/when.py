"""When an admin wants a broadcast sent: "now", or a day and an hour, Moscow time by default.

Why forgiving input with exact errors: admins type on phones, in Russian or English,
and a broadcast at the wrong hour wakes 100,000 people. The day is read by the same
parser as the questionnaire's dates (``05.02.2026``, ``2026-02-05``, ``5 февраля``,
``завтра``), the hour is required, and the zone is Moscow unless given (``UTC``,
``UTC+5``, ``+05:00``, ``Asia/Tashkent``). Every failure says what was wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.answers import ParseError, parse_date

MOSCOW = ZoneInfo("Europe/Moscow")
NOW_WORDS = frozenset({"now", "сейчас", "сразу", "hozir", "ҳозир", "азыр", "ҳоло"})
TOMORROW_WORDS = frozenset({"tomorrow", "завтра", "ertaga", "эртага", "эртең", "фардо"})
"""The questionnaire's date parser knows "today" and "yesterday"; scheduling needs "tomorrow"."""
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
_OFFSET = re.compile(r"^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$")
_DATE_REASONS = {
    "not_a_date": "could not read the day",
    "no_such_day": "there is no such day",
    "no_such_month": "there is no such month",
    "date_too_early": "the year is too far back",
    "date_too_late": "the year is too far ahead",
}


@dataclass(frozen=True)
class SendTime:
    """A parsed send time: the instant (UTC) and the zone it was given in."""

    at: dt.datetime
    zone: dt.tzinfo
    immediate: bool = False


def _zone(token: str) -> dt.tzinfo | None:
    lowered = token.lower()
    if lowered in ("msk", "мск"):
        return MOSCOW
    if lowered in ("utc", "gmt", "z"):
        return dt.UTC
    offset = _OFFSET.match(lowered)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > dt.timedelta(hours=14):
            return None
        return dt.timezone(-delta if sign == "-" else delta)
    if "/" in token:
        try:
            return ZoneInfo(token)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


def parse_send_time(text: str, now: dt.datetime) -> SendTime | str:
    """The time to send, or the reason it could not be read (for the admin, in English).

    ``now`` must be aware; a time in the past is refused (use "now" for that).
    """
    raw = " ".join(text.split())
    if not raw:
        return "write a day and an hour, for example 25.12.2026 10:00, or now"
    if raw.lower() in NOW_WORDS:
        return SendTime(now.astimezone(dt.UTC), MOSCOW, immediate=True)
    tokens = raw.split(" ")
    zone: dt.tzinfo = MOSCOW
    if len(tokens) > 1:
        found = _zone(tokens[-1])
        if found is not None:
            zone, tokens = found, tokens[:-1]
        elif "/" in tokens[-1] or tokens[-1].lower().startswith(("utc", "gmt")):
            return f"unknown time zone {tokens[-1]!r}; use e.g. UTC+5 or Asia/Tashkent"
    time_match = _TIME.match(tokens[-1]) if len(tokens) > 1 else None
    if time_match is None:
        return "give the hour too, for example 25.12.2026 10:00 (Moscow time unless you add a zone)"
    hour, minute = int(time_match.group(1)), int(time_match.group(2) or 0)
    if hour > 23 or minute > 59:
        return f"there is no time {tokens[-1]}"
    today = now.astimezone(zone).date()
    day_text = " ".join(tokens[:-1])
    day: dt.date | ParseError = (
        today + dt.timedelta(days=1)
        if day_text.lower() in TOMORROW_WORDS
        else parse_date(day_text, today)
    )
    if isinstance(day, ParseError):
        return (
            _DATE_REASONS.get(day.code, "could not read the day") + f": {' '.join(tokens[:-1])!r}"
        )
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
    at = local.astimezone(dt.UTC)
    if at < now - dt.timedelta(minutes=1):
        return "this time has already passed; to send at once, write now"
    return SendTime(at, zone)


def format_moscow(moment: dt.datetime) -> str:
    """``25.12.2026 10:00 MSK``: how admins see every time."""
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M") + " MSK"
