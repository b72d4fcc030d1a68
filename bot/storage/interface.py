"""The storage interface the rest of the bot depends on.

Why a Protocol: the SQLite adapter serves one bot process; DESIGN.md ("Growing past
one machine") foresees a PostgreSQL backend for several instances. Handlers, the
scheduler and the CLI should type against :class:`Storage`, never against
:class:`~bot.storage.sqlite.Database`, so that swap stays a new module, not a rewrite.

Contract shared by all implementations:

* every timestamp is passed in by the caller (aware datetimes); storage never reads
  the clock;
* nothing identifying beyond Telegram ids is stored (no names, usernames, phones,
  locations, message texts);
* :meth:`Storage.delete_user` removes every row about a user, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from bot.storage.models import (
    DueReminder,
    Interview,
    NewReminder,
    Reminder,
    ReminderState,
    Stats,
    User,
)


@runtime_checkable
class Storage(Protocol):
    """Users, questionnaire state, reminders, aggregates and privacy operations."""

    async def close(self) -> None:
        """Release the connection(s)."""

    # users ---------------------------------------------------------------------------
    async def get_user(self, user_id: int) -> User | None:
        """The user row, or ``None`` if the user never talked to the bot (or was deleted)."""

    async def upsert_user(self, user_id: int, chat_id: int, locale: str, now: dt.datetime) -> User:
        """Create the user on first contact; on later contacts refresh chat id and last seen.

        The stored locale is kept on later contacts: the user's explicit choice wins over
        Telegram's ``language_code`` guess.
        """

    async def set_locale(self, user_id: int, locale: str) -> bool:
        """Store the language the user picked. ``False`` if the user does not exist."""

    async def seen(self, user_id: int, now: dt.datetime) -> User | None:
        """Record activity (for retention), mark the user active again and return the
        row, in one step (every update starts with it); ``None`` for a user who never
        picked a language (nothing is recorded then)."""

    async def set_active(self, user_id: int, active: bool) -> bool:
        """Mark a user (in)active; set ``False`` when Telegram says the bot was blocked."""

    async def set_opt_in(self, user_id: int, opt_in: bool) -> bool:
        """Turn deadline reminders on or off for the user."""

    async def save_summary(
        self,
        user_id: int,
        citizenship: str | None,
        status: str | None,
        ruleset_version: str | None,
        assessed_at: dt.datetime | None,
        *,
        deadlines: Iterable[tuple[str, dt.date]] | None = None,
    ) -> bool:
        """Store the latest assessment summary (for /stats and audience filters);
        ``deadlines`` replace the user's stored deadlines when given."""

    async def deadlines_of(self, user_id: int) -> dict[str, dt.date]:
        """The deadlines stored with the user's latest result."""

    async def opted_in_users(self, after_user_id: int, limit: int) -> list[User]:
        """Active users with reminders on, by id after ``after_user_id`` (resumable walk)."""

    # interview -----------------------------------------------------------------------
    async def load_interview(self, user_id: int) -> Interview:
        """Answers, pending question and history; empty if the user has none."""

    async def save_answer(
        self, user_id: int, question_id: str, value: str, now: dt.datetime
    ) -> None:
        """Store or overwrite one answer."""

    async def save_interview(
        self,
        user_id: int,
        answers: Mapping[str, str],
        pending: str | None,
        history: Sequence[str],
        now: dt.datetime,
    ) -> None:
        """Replace the whole questionnaire state in one transaction."""

    async def clear_answers(self, user_id: int) -> None:
        """Forget the answers and the interview pointer (restart the questionnaire)."""

    # reminders -----------------------------------------------------------------------
    async def replace_reminders(
        self, user_id: int, rows: Iterable[NewReminder], now: dt.datetime
    ) -> int:
        """Replace the user's scheduled reminders with ``rows`` atomically; returns inserted."""

    async def due_reminders(self, now_utc: dt.datetime, limit: int) -> list[DueReminder]:
        """Scheduled reminders with ``remind_at <= now_utc``, earliest first."""

    async def mark_reminder(self, reminder_id: int, state: ReminderState) -> bool:
        """Move a reminder to ``state``."""

    async def cancel_reminders(self, user_id: int) -> int:
        """Cancel all of the user's scheduled reminders; returns how many."""

    async def reminders_for(self, user_id: int) -> list[Reminder]:
        """All of the user's reminders, by ``remind_at``."""

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        """One reminder by id, or ``None``."""

    async def defer_reminder(self, reminder_id: int, remind_at: dt.datetime) -> bool:
        """Move a scheduled reminder to a later time."""

    # state kept between runs -------------------------------------------------------
    async def get_state(self, key: str) -> str | None:
        """A small stored fact (e.g. the fingerprint of the ruleset served last)."""

    async def set_state(self, key: str, value: str | None) -> None:
        """Store a small fact; ``None`` deletes it."""

    async def save_ruleset_snapshot(
        self, fingerprint: str, version: str, files: dict[str, str], now: dt.datetime
    ) -> None:
        """Keep a copy of a served ruleset's files."""

    async def load_ruleset_snapshot(self, fingerprint: str) -> dict[str, str] | None:
        """The files of a stored ruleset copy, or ``None``."""

    # aggregates and privacy --------------------------------------------------------
    async def stats(self) -> Stats:
        """Counts for /stats."""

    async def delete_user(self, user_id: int) -> bool:
        """Delete every row about the user in every table (``/forget``)."""

    async def purge_inactive(self, older_than: dt.datetime) -> int:
        """Delete users last seen before ``older_than`` with everything about them."""

    async def backup(self, dest_path: str | Path) -> Path:
        """Write a consistent copy of the database to ``dest_path``."""
