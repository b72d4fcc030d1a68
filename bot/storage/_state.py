"""Small facts kept between runs, and copies of the rulesets the bot served.

Why in the database: after a restart the bot must know which ruleset it served
before (to notice a change on disk), compare old against new for every user who
opted in to reminders, and resume that work where a crash left it. A copy of the
old ruleset's files makes "old" loadable even after the files on disk changed.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.storage._validate import check_id
from bot.storage.connection import SqliteConnection
from bot.storage.timestamps import to_db

KEEP_SNAPSHOTS = 5
"""Older ruleset copies are deleted; the newest few are enough to compare and roll back."""


class StateMixin:
    """Key-value state and ruleset snapshots; mixed into ``Database``."""

    _conn: SqliteConnection

    async def get_state(self, key: str) -> str | None:
        """The stored value for ``key``, or ``None``."""
        check_id("key", key)
        async with (
            self._conn.read() as conn,
            conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def set_state(self, key: str, value: str | None) -> None:
        """Store ``value`` under ``key`` (``None`` deletes it)."""
        check_id("key", key)
        async with self._conn.transaction() as conn:
            if value is None:
                await conn.execute("DELETE FROM bot_state WHERE key = ?", (key,))
            else:
                await conn.execute(
                    "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    async def save_ruleset_snapshot(
        self, fingerprint: str, version: str, files: dict[str, str], now: dt.datetime
    ) -> None:
        """Keep a copy of a ruleset's files (relative path → text), newest few only."""
        check_id("fingerprint", fingerprint)
        check_id("version", version)
        async with self._conn.transaction() as conn:
            await conn.execute(
                "INSERT INTO ruleset_snapshots (fingerprint, version, files, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET "
                "created_at = excluded.created_at",
                (fingerprint, version, json.dumps(files, ensure_ascii=False), to_db(now)),
            )
            await conn.execute(
                "DELETE FROM ruleset_snapshots WHERE fingerprint NOT IN (SELECT fingerprint "
                "FROM ruleset_snapshots ORDER BY created_at DESC LIMIT ?)",
                (KEEP_SNAPSHOTS,),
            )

    async def load_ruleset_snapshot(self, fingerprint: str) -> dict[str, str] | None:
        """The files of a stored ruleset copy, or ``None`` if there is none (or it is damaged)."""
        check_id("fingerprint", fingerprint)
        async with (
            self._conn.read() as conn,
            conn.execute(
                "SELECT files FROM ruleset_snapshots WHERE fingerprint = ?", (fingerprint,)
            ) as cur,
        ):
            row = await cur.fetchone()
        if row is None:
            return None
        try:
            files = json.loads(row[0])
        except ValueError:
            return None
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            return None
        return files
