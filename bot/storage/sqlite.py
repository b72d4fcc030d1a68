"""The SQLite implementation of :class:`~bot.storage.interface.Storage`.

Why SQLite: one bot process serves 100k-500k mostly idle users well (DESIGN.md);
Telegram's 30 msg/s limit binds long before the database does. The class is
assembled from small mixins (one per table group) so each file stays readable.

Usage::

    db = await Database.open("data/hamroh.db")
    user = await db.upsert_user(42, 42, "ky", now)
    ...
    await db.close()
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from bot.storage._campaigns import SqliteCampaigns
from bot.storage._interviews import InterviewsMixin
from bot.storage._maintenance import MaintenanceMixin
from bot.storage._outbox import SqliteSendQueue
from bot.storage._reminders import RemindersMixin
from bot.storage._state import StateMixin
from bot.storage._users import UsersMixin
from bot.storage.connection import SqliteConnection
from bot.storage.migrations import MIGRATIONS


class Database(UsersMixin, InterviewsMixin, RemindersMixin, StateMixin, MaintenanceMixin):
    """SQLite storage for users, interviews, reminders, the send queue and campaigns.

    One worker connection (and its lock) serves every table, so the outbox and the
    handlers never queue for SQLite's single writer lock inside this process; the
    short point statements of an update also run on an inline connection that never
    waits for that lock (see :mod:`bot.storage.connection`).
    """

    def __init__(self, conn: SqliteConnection) -> None:
        self._conn = conn
        self._queue = SqliteSendQueue(conn)
        self._campaigns = SqliteCampaigns(conn)

    @classmethod
    async def open(
        cls, path: str | os.PathLike[str], *, migrations: Sequence[str] = MIGRATIONS
    ) -> Database:
        """Open or create the database file (and its folder), in WAL mode, migrated.

        ``migrations`` is a parameter only so tests can create files at old versions.
        """
        return cls(await SqliteConnection.open(path, migrations))

    @property
    def connection(self) -> SqliteConnection:
        """The connection (SQLite-specific tests and tools inspect the file through it)."""
        return self._conn

    @property
    def queue(self) -> SqliteSendQueue:
        """The send queue, on the same connection and lock as everything else."""
        return self._queue

    @property
    def campaigns(self) -> SqliteCampaigns:
        """Admin campaigns, on the same connection."""
        return self._campaigns

    @property
    def coordination(self) -> None:
        """One process owns a SQLite file: nothing to coordinate."""
        return None

    async def schema_version(self) -> int:
        """The file's ``PRAGMA user_version``."""
        return await self._conn.user_version()

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
