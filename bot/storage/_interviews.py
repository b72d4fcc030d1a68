"""Questionnaire state: answers (question id → value) and the interview pointer.

Why our own tables instead of PTB persistence: see DESIGN.md — state is written in
the handler, read on every update, and safe across restarts and processes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from bot.storage._validate import check_id, check_int, check_optional_id, check_value
from bot.storage.connection import SqliteConnection
from bot.storage.errors import UnknownUserError
from bot.storage.models import Interview
from bot.storage.timestamps import to_db

logger = logging.getLogger(__name__)


def _decode_history(raw: str | None) -> list[str]:
    """Parse the stored history; a damaged value yields an empty history, never a crash."""
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        logger.warning("interview history is not valid JSON; treating it as empty")
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        logger.warning("interview history has an unexpected shape; treating it as empty")
        return []
    return value


INTERVIEW_SQL = (
    "SELECT 0, question_id, value FROM answers WHERE user_id = ? "
    "UNION ALL SELECT 1, pending_question, history FROM interviews WHERE user_id = ?"
)
"""One statement, so answers and pointer come from the same committed state."""


def interview_from_rows(rows: Sequence[Sequence[Any]]) -> Interview:
    """The :class:`Interview` of the rows :data:`INTERVIEW_SQL` selected."""
    answers = {str(q): str(v) for kind, q, v in rows if kind == 0}
    pointer = next(((p, h) for kind, p, h in rows if kind == 1), None)
    if pointer is None:
        return Interview(answers, None, [])
    return Interview(answers, pointer[0], _decode_history(pointer[1]))


class InterviewsMixin:
    """Interview operations; mixed into :class:`~bot.storage.sqlite.Database`."""

    _conn: SqliteConnection

    async def load_interview(self, user_id: int) -> Interview:
        """Answers, pending question and history (all empty for a new user)."""
        check_int("user_id", user_id)
        return interview_from_rows(await self._conn.point_fetch(INTERVIEW_SQL, (user_id, user_id)))

    async def save_answer(
        self, user_id: int, question_id: str, value: str, now: dt.datetime
    ) -> None:
        """Store or overwrite one answer."""
        check_int("user_id", user_id)
        check_id("question_id", question_id)
        check_value(value)
        try:
            async with self._conn.transaction() as conn:
                await conn.execute(
                    "INSERT INTO answers (user_id, question_id, value, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (user_id, question_id) "
                    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    (user_id, question_id, value, to_db(now)),
                )
        except sqlite3.IntegrityError as exc:
            raise UnknownUserError(user_id) from exc

    async def save_interview(
        self,
        user_id: int,
        answers: Mapping[str, str],
        pending: str | None,
        history: Sequence[str],
        now: dt.datetime,
    ) -> None:
        """Replace answers, pending question and history in one transaction (a point
        unit: inline unless the file is locked, see :mod:`bot.storage.connection`).

        Answers not in ``answers`` are deleted, so going back and changing a branch
        cannot leave stale answers behind. An answer's ``updated_at`` is when its value
        was last written; unchanged answers are not rewritten.
        """
        check_int("user_id", user_id)
        rows = [(check_id("question_id", q), check_value(v)) for q, v in answers.items()]
        check_optional_id("pending", pending)
        history_list = [check_id("history item", item) for item in history]
        stamp = to_db(now)

        def replace(conn: sqlite3.Connection) -> None:
            # Only the rows that differ are written: a step changes one answer, and
            # rewriting all of them (with secure_delete) cost twice the time.
            stored = dict(
                conn.execute(
                    "SELECT question_id, value FROM answers WHERE user_id = ?", (user_id,)
                ).fetchall()
            )
            given = dict(rows)
            conn.executemany(
                "DELETE FROM answers WHERE user_id = ? AND question_id = ?",
                [(user_id, q) for q in stored if q not in given],
            )
            conn.executemany(
                "INSERT INTO answers (user_id, question_id, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id, question_id) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                [(user_id, q, v, stamp) for q, v in rows if stored.get(q) != v],
            )
            conn.execute(
                "INSERT INTO interviews (user_id, pending_question, history, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "pending_question = excluded.pending_question, history = excluded.history, "
                "updated_at = excluded.updated_at",
                (user_id, pending, json.dumps(history_list), stamp),
            )

        try:
            await self._conn.point(replace, transaction=True)
        except sqlite3.IntegrityError as exc:
            raise UnknownUserError(user_id) from exc

    async def clear_answers(self, user_id: int) -> None:
        """Forget answers and the interview pointer; the user row and summary stay."""
        check_int("user_id", user_id)
        async with self._conn.transaction() as conn:
            await conn.execute("DELETE FROM answers WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM interviews WHERE user_id = ?", (user_id,))
