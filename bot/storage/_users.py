"""Users table: first contact, locale, activity, opt-in and the assessment summary."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from typing import Any

from bot.storage._interviews import INTERVIEW_SQL, interview_from_rows
from bot.storage._validate import check_id, check_int, check_limit, check_optional_id
from bot.storage.connection import SqliteConnection
from bot.storage.models import LAST_SEEN_STEP, Interview, User
from bot.storage.timestamps import from_db, maybe_from_db, to_db

_USER_COLUMNS = (
    "user_id, chat_id, locale, created_at, last_seen_at, active, reminders_opt_in, "
    "citizenship, status, ruleset_version, assessed_at"
)
_SEEN_SQL = (
    f"UPDATE users SET last_seen_at = ?, active = 1 WHERE user_id = ? RETURNING {_USER_COLUMNS}"
)
"""A user wrote to us (``seen``): last seen now, active again; the row if there is one."""
_USER_SQL = f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?"
_LAST_SEEN, _ACTIVE = 4, 5
"""Positions of ``last_seen_at`` and ``active`` in :data:`_USER_COLUMNS`."""


def _seen_row(conn: sqlite3.Connection, user_id: int, now: dt.datetime, fresh: str) -> list[Any]:
    """The user's row, with the activity recorded only when it has to be: when its
    ``last_seen_at`` is not after ``fresh`` (``now`` less
    :data:`~bot.storage.models.LAST_SEEN_STEP`) or the user was inactive."""
    found = conn.execute(_USER_SQL, (user_id,)).fetchall()
    if not found:
        return found
    row = found[0]
    # fixed-width UTC text (bot.storage.timestamps): text order is time order
    if row[_ACTIVE] and row[_LAST_SEEN] > fresh:
        return found
    # fetchall: a RETURNING statement is done only when all its rows are read
    return conn.execute(_SEEN_SQL, (to_db(now), user_id)).fetchall()


def user_from_row(row: Any) -> User:
    """Build a :class:`User` from a row selected with ``_USER_COLUMNS``."""
    return User(
        user_id=row[0],
        chat_id=row[1],
        locale=row[2],
        created_at=from_db(row[3]),
        last_seen_at=from_db(row[4]),
        active=bool(row[5]),
        reminders_opt_in=bool(row[6]),
        citizenship=row[7],
        status=row[8],
        ruleset_version=row[9],
        assessed_at=maybe_from_db(row[10]),
    )


class UsersMixin:
    """User-row operations; mixed into :class:`~bot.storage.sqlite.Database`."""

    _conn: SqliteConnection

    async def get_user(self, user_id: int) -> User | None:
        """The user row, or ``None``."""
        check_int("user_id", user_id)
        rows = await self._conn.point_fetch(
            f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)
        )
        return user_from_row(rows[0]) if rows else None

    async def seen(self, user_id: int, now: dt.datetime) -> User | None:
        """Record activity and return the user row, in one statement; ``None`` if unknown.

        Every update starts with this, so it is one trip to the database, not a read
        and a write. A user who writes to us has evidently unblocked the bot.
        """
        check_int("user_id", user_id)
        fresh = to_db(now - LAST_SEEN_STEP)  # a naive time is refused before anything is read
        rows = await self._conn.point(lambda conn: _seen_row(conn, user_id, now, fresh))
        return user_from_row(rows[0]) if rows else None

    async def seen_with_interview(
        self, user_id: int, now: dt.datetime
    ) -> tuple[User | None, Interview]:
        """:meth:`seen` and then the user's interview, in one point unit (inline on the
        event loop's thread unless the file is locked: see :mod:`bot.storage.connection`).

        Why: an update that acts on the interview needs both, and each trip is a hop to
        aiosqlite's thread and back (with many chats at once, those hops cost more than
        the SQL). A stranger gets ``None`` and an empty interview; nothing is recorded.
        Safe to run again (the second statement only reads).
        """
        check_int("user_id", user_id)
        fresh = to_db(now - LAST_SEEN_STEP)  # a naive time is refused before anything is read

        def read(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
            found = _seen_row(conn, user_id, now, fresh)
            if not found:
                return [], []
            return found, conn.execute(INTERVIEW_SQL, (user_id, user_id)).fetchall()

        found, rows = await self._conn.point(read)
        return (user_from_row(found[0]) if found else None), interview_from_rows(rows)

    async def upsert_user(self, user_id: int, chat_id: int, locale: str, now: dt.datetime) -> User:
        """Create on first contact; later contacts refresh chat id, last seen and ``active``.

        The locale argument only applies to new users: after that the user's own
        choice (:meth:`set_locale`) is authoritative.
        """
        check_int("user_id", user_id)
        check_int("chat_id", chat_id)
        check_id("locale", locale)
        stamp = to_db(now)
        # One statement, atomic on its own, inline (a transaction of an insert and a
        # read took five trips to the database thread and ten times as long).
        rows = await self._conn.point_fetch(
            "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
            f"last_seen_at = excluded.last_seen_at, active = 1 RETURNING {_USER_COLUMNS}",
            (user_id, chat_id, locale, stamp, stamp),
        )
        return user_from_row(rows[0])

    async def _update_user(self, sql: str, params: tuple[object, ...]) -> bool:
        """Run one ``UPDATE users … WHERE user_id = ?``; whether a row changed."""
        return bool(await self._conn.point_fetch(sql + " RETURNING user_id", params))

    async def set_locale(self, user_id: int, locale: str) -> bool:
        """Store the language the user chose; ``False`` if there is no such user."""
        check_int("user_id", user_id)
        check_id("locale", locale)
        return await self._update_user(
            "UPDATE users SET locale = ? WHERE user_id = ?", (locale, user_id)
        )

    async def set_active(self, user_id: int, active: bool) -> bool:
        """Mark the user (in)active; the sender calls this with ``False`` on ``Forbidden``."""
        check_int("user_id", user_id)
        return await self._update_user(
            "UPDATE users SET active = ? WHERE user_id = ?", (1 if active else 0, user_id)
        )

    async def set_opt_in(self, user_id: int, opt_in: bool) -> bool:
        """Turn reminders on or off."""
        check_int("user_id", user_id)
        return await self._update_user(
            "UPDATE users SET reminders_opt_in = ? WHERE user_id = ?",
            (1 if opt_in else 0, user_id),
        )

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
        """Store the latest assessment summary used by /stats and broadcast audiences.

        ``deadlines`` (``(deadline id, date)`` pairs of the same result), when given,
        replace the user's stored deadlines in the same transaction; they feed the
        broadcast filter "a deadline within N days".
        """
        check_int("user_id", user_id)
        check_optional_id("citizenship", citizenship)
        check_optional_id("status", status)
        check_optional_id("ruleset_version", ruleset_version)
        rows = None
        if deadlines is not None:
            rows = []
            for deadline_id, day in deadlines:
                check_id("deadline_id", deadline_id)
                if not isinstance(day, dt.date):
                    raise ValueError("deadline dates must be dates")
                rows.append((user_id, deadline_id, day.isoformat()))
        summary = (
            citizenship,
            status,
            ruleset_version,
            None if assessed_at is None else to_db(assessed_at),
            user_id,
        )

        def store(conn: sqlite3.Connection) -> bool:
            changed = (
                conn.execute(
                    "UPDATE users SET citizenship = ?, status = ?, ruleset_version = ?, "
                    "assessed_at = ? WHERE user_id = ?",
                    summary,
                ).rowcount
                > 0
            )
            if changed and rows is not None:
                conn.execute("DELETE FROM user_deadlines WHERE user_id = ?", (user_id,))
                conn.executemany(
                    "INSERT OR REPLACE INTO user_deadlines (user_id, deadline_id, deadline_date) "
                    "VALUES (?, ?, ?)",
                    rows,
                )
            return changed

        return await self._conn.point(store, transaction=True)

    async def deadlines_of(self, user_id: int) -> dict[str, dt.date]:
        """The deadlines stored with the user's latest result (id → date)."""
        check_int("user_id", user_id)
        async with (
            self._conn.read() as conn,
            conn.execute(
                "SELECT deadline_id, deadline_date FROM user_deadlines WHERE user_id = ?",
                (user_id,),
            ) as cur,
        ):
            return {str(k): dt.date.fromisoformat(v) for k, v in await cur.fetchall()}

    async def opted_in_users(self, after_user_id: int, limit: int) -> list[User]:
        """Active users with reminders on, by id, starting after ``after_user_id``.

        A resumable walk (the caller keeps the last id as a cursor) for re-evaluating
        everyone after a ruleset change, over the partial ``users_opted_in`` index.
        """
        check_int("after_user_id", after_user_id)
        check_limit(limit)
        async with (
            self._conn.read() as conn,
            conn.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE reminders_opt_in = 1 AND active = 1 "
                "AND user_id > ? "
                "ORDER BY user_id LIMIT ?",
                (after_user_id, limit),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [user_from_row(row) for row in rows]
