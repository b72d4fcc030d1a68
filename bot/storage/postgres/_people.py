"""Users, questionnaire state and small stored facts, in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg

from bot.storage._validate import check_id, check_int, check_limit, check_optional_id, check_value
from bot.storage.errors import UnknownUserError
from bot.storage.models import LAST_SEEN_STEP, Interview, User
from bot.storage.postgres.pool import PgPool
from bot.storage.timestamps import aware

logger = logging.getLogger(__name__)

USER_COLUMNS = (
    "user_id, chat_id, locale, created_at, last_seen_at, active, reminders_opt_in, "
    "citizenship, status, ruleset_version, assessed_at"
)
KEEP_SNAPSHOTS = 5


def user_from_row(row: Sequence[Any]) -> User:
    return User(
        user_id=row[0],
        chat_id=row[1],
        locale=row[2],
        created_at=row[3],
        last_seen_at=row[4],
        active=bool(row[5]),
        reminders_opt_in=bool(row[6]),
        citizenship=row[7],
        status=row[8],
        ruleset_version=row[9],
        assessed_at=row[10],
    )


def _history(raw: str | None) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        logger.warning("interview history is not valid JSON; treating it as empty")
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return []
    return value


class PeopleMixin:
    """Users, interviews and ``bot_state``; mixed into ``PostgresDatabase``."""

    _pool: PgPool

    # users ---------------------------------------------------------------------------
    async def get_user(self, user_id: int) -> User | None:
        check_int("user_id", user_id)
        rows = await self._pool.fetch(
            f"SELECT {USER_COLUMNS} FROM users WHERE user_id = %s", (user_id,)
        )
        return user_from_row(rows[0]) if rows else None

    async def seen(self, user_id: int, now: dt.datetime) -> User | None:
        check_int("user_id", user_id)
        # One statement: the row is rewritten only when its last_seen_at is LAST_SEEN_STEP
        # old or the user was inactive (both parts see the same snapshot), else read.
        rows = await self._pool.fetch(
            "WITH touched AS (UPDATE users SET last_seen_at = %s, active = TRUE "
            "WHERE user_id = %s AND (NOT active OR last_seen_at <= %s) "
            f"RETURNING {USER_COLUMNS}) SELECT * FROM touched UNION ALL "
            f"SELECT {USER_COLUMNS} FROM users WHERE user_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM touched)",
            (aware(now), user_id, aware(now) - LAST_SEEN_STEP, user_id),
        )
        return user_from_row(rows[0]) if rows else None

    async def seen_with_interview(
        self, user_id: int, now: dt.datetime
    ) -> tuple[User | None, Interview]:
        # Two round trips to the server; the pair is not a hot spot here (no thread hop).
        user = await self.seen(user_id, now)
        if user is None:
            return None, Interview({}, None, [])
        return user, await self.load_interview(user_id)

    async def upsert_user(self, user_id: int, chat_id: int, locale: str, now: dt.datetime) -> User:
        check_int("user_id", user_id)
        check_int("chat_id", chat_id)
        check_id("locale", locale)
        rows = await self._pool.fetch(
            "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, "
            f"last_seen_at = excluded.last_seen_at, active = TRUE RETURNING {USER_COLUMNS}",
            (user_id, chat_id, locale, aware(now), now),
        )
        return user_from_row(rows[0])

    async def _update_user(self, sql: str, params: tuple[object, ...]) -> bool:
        return bool(await self._pool.fetch(sql + " RETURNING user_id", params))

    async def set_locale(self, user_id: int, locale: str) -> bool:
        check_int("user_id", user_id)
        check_id("locale", locale)
        return await self._update_user(
            "UPDATE users SET locale = %s WHERE user_id = %s", (locale, user_id)
        )

    async def set_active(self, user_id: int, active: bool) -> bool:
        check_int("user_id", user_id)
        return await self._update_user(
            "UPDATE users SET active = %s WHERE user_id = %s", (bool(active), user_id)
        )

    async def set_opt_in(self, user_id: int, opt_in: bool) -> bool:
        check_int("user_id", user_id)
        return await self._update_user(
            "UPDATE users SET reminders_opt_in = %s WHERE user_id = %s", (bool(opt_in), user_id)
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
                rows.append((user_id, deadline_id, day))
        stamp = None if assessed_at is None else aware(assessed_at)
        async with self._pool.transaction() as conn:
            cur = await conn.execute(
                "UPDATE users SET citizenship = %s, status = %s, ruleset_version = %s, "
                "assessed_at = %s WHERE user_id = %s",
                (citizenship, status, ruleset_version, stamp, user_id),
            )
            changed = cur.rowcount > 0
            if changed and rows is not None:
                await conn.execute("DELETE FROM user_deadlines WHERE user_id = %s", (user_id,))
                if rows:
                    async with conn.cursor() as cursor:
                        await cursor.executemany(
                            "INSERT INTO user_deadlines (user_id, deadline_id, deadline_date) "
                            "VALUES (%s, %s, %s) ON CONFLICT (user_id, deadline_id) "
                            "DO UPDATE SET deadline_date = excluded.deadline_date",
                            rows,
                        )
        return changed

    async def deadlines_of(self, user_id: int) -> dict[str, dt.date]:
        check_int("user_id", user_id)
        rows = await self._pool.fetch(
            "SELECT deadline_id, deadline_date FROM user_deadlines WHERE user_id = %s", (user_id,)
        )
        return {str(k): v for k, v in rows}

    async def opted_in_users(self, after_user_id: int, limit: int) -> list[User]:
        check_int("after_user_id", after_user_id)
        check_limit(limit)
        rows = await self._pool.fetch(
            f"SELECT {USER_COLUMNS} FROM users WHERE reminders_opt_in AND active "
            "AND user_id > %s ORDER BY user_id LIMIT %s",
            (after_user_id, limit),
        )
        return [user_from_row(row) for row in rows]

    # interviews ----------------------------------------------------------------------
    async def load_interview(self, user_id: int) -> Interview:
        check_int("user_id", user_id)
        rows = await self._pool.fetch(
            "SELECT 0, question_id, value FROM answers WHERE user_id = %s "
            "UNION ALL SELECT 1, pending_question, history FROM interviews WHERE user_id = %s",
            (user_id, user_id),
        )
        answers = {str(q): str(v) for kind, q, v in rows if kind == 0}
        pointer = next(((p, h) for kind, p, h in rows if kind == 1), None)
        if pointer is None:
            return Interview(answers, None, [])
        return Interview(answers, pointer[0], _history(pointer[1]))

    async def save_answer(
        self, user_id: int, question_id: str, value: str, now: dt.datetime
    ) -> None:
        check_int("user_id", user_id)
        check_id("question_id", question_id)
        check_value(value)
        try:
            await self._pool.execute(
                "INSERT INTO answers (user_id, question_id, value, updated_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, question_id) "
                "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (user_id, question_id, value, aware(now)),
            )
        except psycopg.errors.ForeignKeyViolation as exc:
            raise UnknownUserError(user_id) from exc

    async def save_interview(
        self,
        user_id: int,
        answers: Mapping[str, str],
        pending: str | None,
        history: Sequence[str],
        now: dt.datetime,
    ) -> None:
        check_int("user_id", user_id)
        rows = [(check_id("question_id", q), check_value(v)) for q, v in answers.items()]
        check_optional_id("pending", pending)
        history_list = [check_id("history item", item) for item in history]
        aware(now)
        questions = [q for q, _ in rows]
        try:
            # One statement (atomic on its own, one round trip): answers not given any
            # more go, given ones are written, the pointer is replaced.
            await self._pool.execute(
                "WITH given AS (SELECT * FROM unnest(%s::text[], %s::text[]) AS g (q, v)), "
                "gone AS (DELETE FROM answers WHERE user_id = %s "
                "AND NOT (question_id = ANY(%s::text[]))), "
                "kept AS (INSERT INTO answers (user_id, question_id, value, updated_at) "
                "SELECT %s, q, v, %s FROM given ON CONFLICT (user_id, question_id) DO UPDATE "
                "SET value = excluded.value, updated_at = excluded.updated_at) "
                "INSERT INTO interviews (user_id, pending_question, history, updated_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE SET "
                "pending_question = excluded.pending_question, history = excluded.history, "
                "updated_at = excluded.updated_at",
                (
                    questions,
                    [v for _, v in rows],
                    user_id,
                    questions,
                    user_id,
                    now,
                    user_id,
                    pending,
                    json.dumps(history_list),
                    now,
                ),
            )
        except psycopg.errors.ForeignKeyViolation as exc:
            raise UnknownUserError(user_id) from exc

    async def clear_answers(self, user_id: int) -> None:
        check_int("user_id", user_id)
        async with self._pool.transaction() as conn:
            await conn.execute("DELETE FROM answers WHERE user_id = %s", (user_id,))
            await conn.execute("DELETE FROM interviews WHERE user_id = %s", (user_id,))

    # state ---------------------------------------------------------------------------
    async def get_state(self, key: str) -> str | None:
        check_id("key", key)
        rows = await self._pool.fetch("SELECT value FROM bot_state WHERE key = %s", (key,))
        return None if not rows else str(rows[0][0])

    async def set_state(self, key: str, value: str | None) -> None:
        check_id("key", key)
        if value is None:
            await self._pool.execute("DELETE FROM bot_state WHERE key = %s", (key,))
            return
        await self._pool.execute(
            "INSERT INTO bot_state (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def save_ruleset_snapshot(
        self, fingerprint: str, version: str, files: dict[str, str], now: dt.datetime
    ) -> None:
        check_id("fingerprint", fingerprint)
        check_id("version", version)
        async with self._pool.transaction() as conn:
            await conn.execute(
                "INSERT INTO ruleset_snapshots (fingerprint, version, files, created_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (fingerprint) DO UPDATE SET "
                "created_at = excluded.created_at",
                (fingerprint, version, json.dumps(files, ensure_ascii=False), aware(now)),
            )
            await conn.execute(
                "DELETE FROM ruleset_snapshots WHERE fingerprint NOT IN (SELECT fingerprint "
                "FROM ruleset_snapshots ORDER BY created_at DESC LIMIT %s)",
                (KEEP_SNAPSHOTS,),
            )

    async def load_ruleset_snapshot(self, fingerprint: str) -> dict[str, str] | None:
        check_id("fingerprint", fingerprint)
        rows = await self._pool.fetch(
            "SELECT files FROM ruleset_snapshots WHERE fingerprint = %s", (fingerprint,)
        )
        if not rows:
            return None
        try:
            files = json.loads(rows[0][0])
        except ValueError:
            return None
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            return None
        return files
