"""Plain value objects returned by the storage layer.

Why plain frozen dataclasses: handlers and the core must not depend on SQLite rows
or on a particular driver, so a PostgreSQL backend can return the same objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal, NamedTuple, get_args

ReminderKind = Literal["before", "due", "followup"]
ReminderState = Literal["scheduled", "queued", "sent", "failed", "cancelled"]

REMINDER_KINDS: Final[frozenset[str]] = frozenset(get_args(ReminderKind))
REMINDER_STATES: Final[frozenset[str]] = frozenset(get_args(ReminderState))

MAX_ID_LENGTH: Final = 64
"""Longest question id / locale / deadline id accepted (they are short machine ids)."""
DEFAULT_TIMEZONE: Final = "Europe/Moscow"
"""Reminders are planned in Moscow time unless the user's region says otherwise."""
MAX_VALUE_LENGTH: Final = 200
"""Longest answer value accepted. Answers are button values or parsed dates; a cap stops a
bug from storing free text a user typed (which could contain names or addresses)."""

LAST_SEEN_STEP: Final = dt.timedelta(hours=1)
"""How fresh a user's ``last_seen_at`` is kept: an update refreshes it only when it is
this old or older (or the user was inactive). Retention counts months, so an hour is
exact enough; most updates are then a read, not a write of the user row and its index
(BENCHMARKS.md §1), and the file holds no minute-by-minute trail of when a person wrote."""


@dataclass(frozen=True, slots=True)
class User:
    """What the bot keeps about one Telegram user (no names, no usernames, no phone)."""

    user_id: int
    chat_id: int
    locale: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    active: bool
    reminders_opt_in: bool
    citizenship: str | None = None
    status: str | None = None
    ruleset_version: str | None = None
    assessed_at: dt.datetime | None = None


class Interview(NamedTuple):
    """Questionnaire state: answers so far, the question awaiting an answer, and the path.

    A named tuple so callers can write ``answers, pending, history = await db.load_interview(u)``.
    """

    answers: dict[str, str]
    pending_question: str | None
    history: list[str]


@dataclass(frozen=True, slots=True)
class NewReminder:
    """A reminder planned by the core, before it gets an id."""

    deadline_id: str
    outcome_id: str
    deadline_date: dt.date
    remind_at: dt.datetime
    kind: ReminderKind
    offset_days: int
    ruleset_version: str
    timezone: str = DEFAULT_TIMEZONE
    """IANA zone the reminder hour was chosen in (keeps catch-up sends out of the night)."""


@dataclass(frozen=True, slots=True)
class Reminder:
    """A stored reminder."""

    id: int
    user_id: int
    deadline_id: str
    outcome_id: str
    deadline_date: dt.date
    remind_at: dt.datetime
    kind: ReminderKind
    offset_days: int
    state: ReminderState
    ruleset_version: str
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True, slots=True)
class DueReminder(Reminder):
    """A due reminder plus what the dispatcher needs to render and address it.

    ``user_active``/``reminders_opt_in`` are included rather than filtered in SQL so
    that rows of blocked or opted-out users are returned once and can be cancelled;
    filtering them out would leave them at the head of the due index forever.
    """

    chat_id: int = 0
    locale: str = ""
    user_active: bool = True
    reminders_opt_in: bool = True


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregates for the admin ``/stats`` command (counts only, no ids)."""

    users_total: int
    users_active: int
    by_locale: dict[str, int] = field(default_factory=dict)
    by_citizenship: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    reminders_by_state: dict[str, int] = field(default_factory=dict)
    outbox_by_kind_state: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def reminders_sent(self) -> int:
        """Reminders Telegram accepted."""
        return self.reminders_by_state.get("sent", 0)

    @property
    def reminders_failed(self) -> int:
        """Reminders that could not be delivered (blocked user, bad request, network)."""
        return self.reminders_by_state.get("failed", 0)
