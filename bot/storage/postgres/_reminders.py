"""Planned reminders in PostgreSQL (see :mod:`bot.storage._reminders` for the rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

import psycopg

from bot.storage._validate import check_int, check_limit, check_new_reminder
from bot.storage.errors import UnknownUserError
from bot.storage.models import (
    REMINDER_STATES,
    DueReminder,
    NewReminder,
    Reminder,
    ReminderKind,
    ReminderState,
)
from bot.storage.postgres.pool import PgPool
from bot.storage.timestamps import aware

_COLUMNS = (
    "r.id, r.user_id, r.deadline_id, r.outcome_id, r.deadline_date, r.remind_at, r.kind, "
    "r.offset_days, r.state, r.ruleset_version, r.timezone"
)


def _fields(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "user_id": row[1],
        "deadline_id": row[2],
        "outcome_id": row[3],
        "deadline_date": row[4],
        "remind_at": row[5],
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
        deadline,
        aware(row.remind_at),
        row.kind,
        row.offset_days,
        row.ruleset_version,
        row.timezone,
    )


class RemindersMixin:
    """Reminder operations; mixed into ``PostgresDatabase``."""

    _pool: PgPool

    async def replace_reminders(
        self, user_id: int, rows: Iterable[NewReminder], now: dt.datetime
    ) -> int:
        check_int("user_id", user_id)
        values = [(user_id, *_check_new(row), aware(now)) for row in rows]
        try:
            async with self._pool.transaction() as conn:
                await conn.execute(
                    "DELETE FROM reminders "
                    "WHERE user_id = %s AND state IN ('scheduled', 'cancelled')",
                    (user_id,),
                )
                if not values:
                    return 0
                cur = await conn.execute(
                    "INSERT INTO reminders (user_id, deadline_id, outcome_id, deadline_date, "
                    "remind_at, kind, offset_days, ruleset_version, timezone, created_at) "
                    "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::date[], "
                    "%s::timestamptz[], %s::text[], %s::int[], %s::text[], %s::text[], "
                    "%s::timestamptz[]) "
                    "ON CONFLICT (user_id, deadline_id, deadline_date, kind, offset_days) "
                    "DO NOTHING",
                    [list(column) for column in zip(*values, strict=True)],
                )
                return max(cur.rowcount, 0)
        except psycopg.errors.ForeignKeyViolation as exc:
            raise UnknownUserError(user_id) from exc

    async def due_reminders(self, now_utc: dt.datetime, limit: int) -> list[DueReminder]:
        check_limit(limit)
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS}, u.chat_id, u.locale, u.active, u.reminders_opt_in "
            "FROM reminders AS r JOIN users AS u ON u.user_id = r.user_id "
            "WHERE r.state = 'scheduled' AND r.remind_at <= %s "
            "ORDER BY r.remind_at, r.id LIMIT %s",
            (aware(now_utc), limit),
        )
        return [
            DueReminder(
                **_fields(row),
                chat_id=row[11],
                locale=row[12],
                user_active=bool(row[13]),
                reminders_opt_in=bool(row[14]),
            )
            for row in rows
        ]

    async def mark_reminder(self, reminder_id: int, state: ReminderState) -> bool:
        check_int("reminder_id", reminder_id)
        if state not in REMINDER_STATES:
            raise ValueError(f"unknown reminder state {state!r}")
        changed = await self._pool.execute(
            "UPDATE reminders SET state = %s WHERE id = %s", (state, reminder_id)
        )
        return changed > 0

    async def cancel_reminders(self, user_id: int) -> int:
        check_int("user_id", user_id)
        return await self._pool.execute(
            "UPDATE reminders SET state = 'cancelled' WHERE user_id = %s AND state = 'scheduled'",
            (user_id,),
        )

    async def reminders_for(self, user_id: int) -> list[Reminder]:
        check_int("user_id", user_id)
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM reminders AS r WHERE r.user_id = %s "
            "ORDER BY r.remind_at, r.id",
            (user_id,),
        )
        return [Reminder(**_fields(row)) for row in rows]

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        check_int("reminder_id", reminder_id)
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM reminders AS r WHERE r.id = %s", (reminder_id,)
        )
        return Reminder(**_fields(rows[0])) if rows else None

    async def defer_reminder(self, reminder_id: int, remind_at: dt.datetime) -> bool:
        check_int("reminder_id", reminder_id)
        changed = await self._pool.execute(
            "UPDATE reminders SET remind_at = %s WHERE id = %s AND state = 'scheduled'",
            (aware(remind_at), reminder_id),
        )
        return changed > 0
