"""Timestamp encoding for the database.

Why this exists: SQLite has no datetime type, and queries such as "reminders due
before now" compare timestamps as text. That only works if every timestamp is
written in one fixed-width UTC format, so lexicographic order equals time order.
Storage never reads the clock itself (callers pass ``now``), which keeps tests
deterministic and lets the same code replay history.
"""

from __future__ import annotations

import datetime as dt

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(moment: dt.datetime) -> str:
    """Encode an aware datetime as a fixed-width UTC string (``2025-03-05T12:00:00.000000Z``).

    Naive datetimes are refused: guessing their zone would silently shift
    deadlines by hours, which is worse than failing loudly in a test.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware (use datetime.UTC)")
    return moment.astimezone(dt.UTC).strftime(_FORMAT)


def from_db(value: str) -> dt.datetime:
    """Decode a string written by :func:`to_db` into an aware UTC datetime."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def maybe_from_db(value: str | None) -> dt.datetime | None:
    """Like :func:`from_db` but passes ``None`` through (nullable columns)."""
    return None if value is None else from_db(value)


def aware(moment: dt.datetime) -> dt.datetime:
    """PostgreSQL takes the datetime itself; naive ones are refused as by :func:`to_db`."""
    to_db(moment)
    return moment


def maybe_aware(value: dt.datetime | None) -> dt.datetime | None:
    """A nullable ``TIMESTAMPTZ`` read back from PostgreSQL (already aware)."""
    return value if value is None else aware(value)
