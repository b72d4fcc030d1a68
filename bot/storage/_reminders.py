"""Reminders: the planned deadline notifications, one row per (deadline, offset).

Why a separate table from the outbox: reminders are planned weeks ahead and are
re-planned whenever the user's answers change; the outbox only holds messages that
are due now. A periodic job moves due reminders into the outbox (see
``bot.delivery.outbox.Outbox.enqueue_reminders``), which marks them ``queued`` in the
same transaction so a crash cannot queue one twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from typing import Any, cast

from bot.storage._validate import check_int, check_limit, check_new_reminder
from bot.storage.connection import SqliteConnection
from bot.storage.errors import UnknownUserError
from bot.storage.models import (
    REMINDER_STATES,
    DueReminder,
    NewReminder,
    Reminder,
    ReminderKind,
    ReminderState,
)
from bot.storage.timestamps import from_db, to_db

_REMINDER_COLUMNS = (
    "r.id, r.user_id, r.deadline_id, r.outcome_id, r.deadline_date, r.remind_at, r.kind, "
    "r.offset_days, r.state, r.ruleset_version, r.timezone"
)

DUE_REMINDERS_SQL = (
    f"SELECT {_REMINDER_COLUMNS}, u.chat_id, u.locale, u.active, u.reminders_opt_in "
    "FROM reminders AS r CROSS JOIN users AS u ON u.user_id = r.user_id "
    "WHERE r.state = 'scheduled' AND r.remind_at <= ? "
    "ORDER BY r.remind_at LIMIT ?"
)
"""The due scan; a module constant so the query-plan test checks the real statement."""


def _reminder_fields(row: Any) -> dict[str, Any]:
    return {
        "id": row[0],
        "user_id": row[1],
        "deadline_id": row[2],
        "outcome_id": row[3],
        "deadline_date": dt.date.fromisoformat(row[4]),
        "remind_at": from_db(row[5]),
        "kind": cast(ReminderKind, row[6]),
        "offset_days": row[7],
        "state": cast(ReminderState, row[8]),
        "ruleset_version": row[9],
        "timezone": row[10],
    }


def _check_new(row: NewReminder) -> tuple[object, ...]:
    deadline = check_new_reminder(row)
    return (
        row.deadline_id,
        row.outcome_id,
        deadline.isoformat(),
        to_db(row.remind_at),
        row.kind,
        row.offset_days,
        row.ruleset_version,
        row.timezone,
    )


class RemindersMixin:
    """Reminder operations; mixed into :class:`~bot.storage.sqlite.Database`."""

    _conn: SqliteConnection

    async def replace_reminders(
        self, user_id: int, rows: Iterable[NewReminder], now: dt.datetime
    ) -> int:
        """Replace the user's *scheduled* reminders with ``rows``, atomically.

        Reminders already queued, sent or failed are history and stay; a new row equal
        to one of them (same deadline, date, kind and offset) is skipped, so re-taking
        the questionnaire never repeats a reminder the user already got.
        Returns the number of rows inserted.
        """
        check_int("user_id", user_id)
        values = [(user_id, *_check_new(row), to_db(now)) for row in rows]
        try:
            async with self._conn.transaction() as conn:
                await conn.execute(
                    "DELETE FROM reminders "
                    "WHERE user_id = ? AND state IN ('scheduled', 'cancelled')",
                    (user_id,),
                )
                cur = await conn.executemany(
                    "INSERT INTO reminders (user_id, deadline_id, outcome_id, deadline_date, "
                    "remind_at, kind, offset_days, ruleset_version, timezone, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (user_id, deadline_id, deadline_date, kind, offset_days) "
                    "DO NOTHING",
                    values,
                )
                inserted = max(cur.rowcount, 0)
                await cur.close()
        except sqlite3.IntegrityError as exc:
            raise UnknownUserError(user_id) from exc
        return inserted

    async def due_reminders(self, now_utc: dt.datetime, limit: int) -> list[DueReminder]:
        """Scheduled reminders due at ``now_utc``, earliest first, at most ``limit``.

        ``CROSS JOIN`` pins SQLite's join order: walk the partial ``reminders_due``
        index in ``remind_at`` order and look each user up by primary key, so the query
        touches about ``limit`` rows however many reminders exist.
        """
        check_limit(limit)
        async with (
            self._conn.read() as conn,
            conn.execute(DUE_REMINDERS_SQL, (to_db(now_utc), limit)) as cur,
        ):
            rows = await cur.fetchall()
        return [
            DueReminder(
                **_reminder_fields(row),
                chat_id=row[11],
                locale=row[12],
                user_active=bool(row[13]),
                reminders_opt_in=bool(row[14]),
            )
            for row in rows
        ]

    async def mark_reminder(self, reminder_id: int, state: ReminderState) -> bool:
        """Move one reminder to ``state``; ``False`` if it does not exist."""
        check_int("reminder_id", reminder_id)
        if state not in REMINDER_STATES:
            raise ValueError(f"unknown reminder state {state!r}")
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminders SET state = ? WHERE id = ?", (state, reminder_id)
            )
            changed = cur.rowcount > 0
            await cur.close()
        return changed

    async def cancel_reminders(self, user_id: int) -> int:
        """Cancel every scheduled reminder of the user (opt-out, block, /forget flow)."""
        check_int("user_id", user_id)
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminders SET state = 'cancelled' "
                "WHERE user_id = ? AND state = 'scheduled'",
                (user_id,),
            )
            count = max(cur.rowcount, 0)
            await cur.close()
        return count

    async def reminders_for(self, user_id: int) -> list[Reminder]:
        """All reminders of one user, earliest first (for /status and tests)."""
        check_int("user_id", user_id)
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_REMINDER_COLUMNS} FROM reminders AS r WHERE r.user_id = ? "
                "ORDER BY r.remind_at, r.id",
                (user_id,),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [Reminder(**_reminder_fields(row)) for row in rows]

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        """One reminder by id (a reminder's buttons name it), or ``None``."""
        check_int("reminder_id", reminder_id)
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_REMINDER_COLUMNS} FROM reminders AS r WHERE r.id = ?", (reminder_id,)
            ) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else Reminder(**_reminder_fields(row))

    async def defer_reminder(self, reminder_id: int, remind_at: dt.datetime) -> bool:
        """Move a still-scheduled reminder to a later time (out of the user's night).

        ``False`` if it is no longer scheduled (queued, cancelled, replaced meanwhile).
        """
        check_int("reminder_id", reminder_id)
        async with self._conn.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminders SET remind_at = ? WHERE id = ? AND state = 'scheduled'",
                (to_db(remind_at), reminder_id),
            )
            changed = cur.rowcount > 0
            await cur.close()
        return changed
