"""Input checks shared by the storage backends (SQLite and PostgreSQL).

Why: the storage layer is the last line before personal data hits the disk. Ids and
values are short machine strings; anything else is a bug upstream, and a clear
``ValueError`` at the boundary is better than a long free-text answer on disk.
"""

from __future__ import annotations

import datetime as dt

from bot.storage.models import MAX_ID_LENGTH, MAX_VALUE_LENGTH, REMINDER_KINDS, NewReminder


def check_id(name: str, value: object) -> str:
    """Return ``value`` if it is a non-empty short string, else raise ``ValueError``."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{name} must be a non-empty string of at most {MAX_ID_LENGTH} chars")
    return value


def check_optional_id(name: str, value: object) -> str | None:
    """Like :func:`check_id` but allows ``None``."""
    return None if value is None else check_id(name, value)


def check_value(value: object) -> str:
    """Return an answer value if it is a string of bounded length, else raise ``ValueError``."""
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"answer values must be strings of at most {MAX_VALUE_LENGTH} chars")
    return value


def check_int(name: str, value: object) -> int:
    """Return ``value`` if it is a real ``int`` (not a bool), else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def check_limit(limit: object) -> int:
    """A positive batch size."""
    value = check_int("limit", limit)
    if value <= 0:
        raise ValueError("limit must be positive")
    return value


def check_new_reminder(row: NewReminder) -> dt.date:
    """Check a reminder before it is stored; its deadline as a plain date.

    Both backends call this, so a reminder one of them refuses the other refuses too
    (the storage contract tests run on both)."""
    check_id("deadline_id", row.deadline_id)
    check_id("outcome_id", row.outcome_id)
    check_id("ruleset_version", row.ruleset_version)
    check_int("offset_days", row.offset_days)
    check_id("timezone", row.timezone)
    if row.kind not in REMINDER_KINDS:
        raise ValueError(f"unknown reminder kind {row.kind!r}")
    if not isinstance(row.deadline_date, dt.date):
        raise ValueError("deadline_date must be a date")
    deadline = row.deadline_date
    return deadline.date() if isinstance(deadline, dt.datetime) else deadline
