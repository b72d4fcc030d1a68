"""Read stored answers without the bot: ``hamroh rules diff --db`` judges them.

From a SQLite file or a PostgreSQL database, the same way.

Why a separate, synchronous, read-only reader: the diff runs on an admin's machine or
next to a live bot, before a ruleset is published. It must never write (not even a
migration), never take the bot's write lock, and hand out answers one person at a
time so the caller can count and forget them. Nothing here prints or logs a value.

Stored answers are text. Option values start with a letter and dates are ISO
(``2025-03-05``, the engine reads them as dates), so a value made only of digits can
only be an integer answer (``days_in_russia_this_year``) and is returned as ``int``.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from bot.storage.targets import describe_target, is_postgres_url, redact_password

BATCH = 1000


def _decode(value: str) -> Any:
    return int(value) if value.isdecimal() and len(value) <= 9 else value


def open_read_only(db_path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``); raises ``FileNotFoundError`` if there is no file.

    Read-only mode also means no migration runs and no ``-wal`` file is created by us.
    """
    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


class AnswerSetsUnavailable(Exception):
    """The stored answers cannot be read; the message is one line for the admin."""


def iter_answer_sets(
    target: str | os.PathLike[str], *, opted_in_only: bool = False
) -> Iterator[dict[str, Any]]:
    """Yield each user's answers as ``{question id: value}``, one user at a time.

    ``target`` is a SQLite file or a PostgreSQL URL (``postgresql://…``). Users without
    answers are skipped. ``opted_in_only`` limits the walk to users who turned
    reminders on (the people a ruleset change would message). Users are read in
    batches by id, so memory stays flat and a live bot is never blocked for long.
    Raises :class:`AnswerSetsUnavailable` when the database cannot be read.
    """
    where = describe_target(target)
    try:
        if is_postgres_url(target):
            yield from _postgres_answer_sets(str(target), opted_in_only)
        else:
            yield from _sqlite_answer_sets(target, opted_in_only)
    except FileNotFoundError as error:
        raise AnswerSetsUnavailable(str(error)) from None
    except (sqlite3.Error, psycopg.Error) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        reason = redact_password(reason, target)
        raise AnswerSetsUnavailable(
            f"cannot read the stored answers in {where}: {reason}"
        ) from None


def _users_with_answers(param: str, opted_in: str) -> str:
    """The next batch of user ids with answers, after a given id (both backends).

    ``param`` is the backend's placeholder; ``opted_in`` its condition on the opt-in."""
    return (
        f"SELECT u.user_id FROM users AS u WHERE {opted_in}u.user_id > {param} "
        "AND EXISTS (SELECT 1 FROM answers AS a WHERE a.user_id = u.user_id) "
        f"ORDER BY u.user_id LIMIT {param}"
    )


def _sqlite_answer_sets(
    db_path: str | os.PathLike[str], opted_in_only: bool
) -> Iterator[dict[str, Any]]:
    conn = open_read_only(db_path)
    users = _users_with_answers("?", "u.reminders_opt_in = 1 AND " if opted_in_only else "")
    try:

        def answers_of(ids: list[int]) -> Iterable[tuple[Any, ...]]:
            placeholders = ", ".join("?" * len(ids))
            return conn.execute(
                f"SELECT user_id, question_id, value FROM answers WHERE user_id IN ({placeholders})",
                ids,
            )

        yield from _in_batches(lambda after: conn.execute(users, (after, BATCH)), answers_of)
    finally:
        conn.close()


def _postgres_answer_sets(url: str, opted_in_only: bool) -> Iterator[dict[str, Any]]:
    """The same walk on PostgreSQL: every statement its own read-only transaction, so
    nothing is written and no snapshot is held open while the answers are judged."""
    conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    users = _users_with_answers("%s", "u.reminders_opt_in AND " if opted_in_only else "")
    try:
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        yield from _in_batches(
            lambda after: conn.execute(users, (after, BATCH)).fetchall(),
            lambda ids: conn.execute(
                "SELECT user_id, question_id, value FROM answers WHERE user_id = ANY(%s)",
                (ids,),
            ).fetchall(),
        )
    finally:
        conn.close()


def _in_batches(
    user_rows: Callable[[int], Iterable[tuple[Any, ...]]],
    answers_of: Callable[[list[int]], Iterable[tuple[Any, ...]]],
) -> Iterator[dict[str, Any]]:
    after = -(2**63)
    while True:
        ids = [int(row[0]) for row in user_rows(after)]
        if not ids:
            return
        answers: dict[int, dict[str, Any]] = {uid: {} for uid in ids}
        for user_id, question_id, value in answers_of(ids):
            answers[int(user_id)][str(question_id)] = _decode(str(value))
        for user_id in ids:
            yield answers[user_id]
        after = ids[-1]
