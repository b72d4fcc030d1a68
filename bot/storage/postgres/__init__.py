"""The PostgreSQL implementation of :class:`~bot.storage.interface.Storage`.

Why PostgreSQL: several ``hamroh run`` instances (a deploy without downtime, a second
machine) need one database that many processes write at once, and operators already
know how to back it up. Chosen by ``HAMROH_DATABASE_URL=postgresql://…``; psycopg 3
with ``psycopg_pool``. The same contract suite as SQLite runs against it
(``tests/storage/contract``).

Usage::

    db = await PostgresDatabase.open("postgresql://hamroh@db/hamroh")
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage.postgres._campaigns import PgCampaigns
from bot.storage.postgres._cluster import PgInstances, PgUpdateTurns
from bot.storage.postgres._maintenance import MaintenanceMixin
from bot.storage.postgres._people import PeopleMixin
from bot.storage.postgres._queue import PgSendQueue
from bot.storage.postgres._reminders import RemindersMixin
from bot.storage.postgres.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.storage.postgres.pool import DEFAULT_POOL_SIZE, PgPool

__all__ = ["DEFAULT_POOL_SIZE", "MIGRATIONS", "SCHEMA_VERSION", "PostgresDatabase"]


class PostgresDatabase(PeopleMixin, RemindersMixin, MaintenanceMixin):
    """Users, interviews, reminders, the send queue, campaigns and instance coordination."""

    def __init__(self, pool: PgPool, url: str) -> None:
        self._pool = pool
        self._url = url
        self._queue = PgSendQueue(pool)
        self._campaigns = PgCampaigns(pool)
        self._turns = PgUpdateTurns(pool)
        self._instances = PgInstances(pool)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        migrations: Sequence[str] = MIGRATIONS,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> PostgresDatabase:
        """Connect to ``url`` and bring its schema up to date."""
        return cls(await PgPool.open(url, migrations, max_size=pool_size), url)

    @property
    def queue(self) -> PgSendQueue:
        return self._queue

    @property
    def campaigns(self) -> PgCampaigns:
        return self._campaigns

    @property
    def coordination(self) -> PostgresDatabase:
        """Several instances share this database: update turns and live instances."""
        return self

    @property
    def turns(self) -> PgUpdateTurns:
        return self._turns

    @property
    def instances(self) -> PgInstances:
        return self._instances

    async def schema_version(self) -> int:
        return await self._pool.schema_version()

    async def close(self) -> None:
        await self._pool.close()

    async def __aenter__(self) -> PostgresDatabase:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
