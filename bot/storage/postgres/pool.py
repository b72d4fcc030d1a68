"""A psycopg 3 connection pool with the schema migrated, and small query helpers.

Why a pool of autocommit connections: several handlers of one instance run at once,
and unlike SQLite, PostgreSQL lets them write concurrently; a single statement is its
own transaction, and :meth:`PgPool.transaction` wraps multi-statement units. Sessions
run in UTC so timestamps read back identically everywhere.

Migrations take an advisory lock, so two instances started together never apply the
same script twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from bot.storage.connection import SchemaTooNewError
from bot.storage.errors import StorageUnavailableError
from bot.storage.targets import describe_target, redact_password

logger = logging.getLogger(__name__)


def _reason(error: psycopg.Error, url: str) -> str:
    """The server's first line about ``error``, without the password of ``url``."""
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0].strip()
    return redact_password(reason, url)


MIGRATION_LOCK: Final = 7_260_481_001
"""The advisory lock key held while migrating (any constant unique to Hamroh)."""
DEFAULT_POOL_SIZE: Final = 10
CONNECT_TIMEOUT: Final = 15

AConn = psycopg.AsyncConnection[tuple[Any, ...]]


async def _configure(conn: AConn) -> None:
    await conn.execute("SET TIME ZONE 'UTC'")


class PgPool:
    """The pool, opened and migrated by :meth:`open`."""

    def __init__(self, pool: AsyncConnectionPool[AConn], url: str = "") -> None:
        self._pool = pool
        self._url = url
        self._own: AConn | None = None
        self._own_lock = asyncio.Lock()

    @property
    def max_size(self) -> int:
        """The most connections this pool opens (``HAMROH_DATABASE_POOL_SIZE``)."""
        return self._pool.max_size

    @classmethod
    async def open(
        cls, url: str, migrations: Sequence[str], *, max_size: int = DEFAULT_POOL_SIZE
    ) -> PgPool:
        """Connect (failing fast with a clear error) and apply missing migrations."""
        try:  # one direct attempt first: the pool would retry quietly until its timeout
            probe = await psycopg.AsyncConnection.connect(url, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as error:
            raise StorageUnavailableError(
                f"cannot connect to PostgreSQL at {describe_target(url)}: {_reason(error, url)}"
            ) from error
        await probe.close()
        pool: AsyncConnectionPool[AConn] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True},
            configure=_configure,
            open=False,
            name="hamroh",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except (PoolTimeout, psycopg.OperationalError) as error:
            await pool.close()
            raise StorageUnavailableError(
                f"cannot connect to PostgreSQL at {describe_target(url)} within "
                f"{CONNECT_TIMEOUT:.0f} s; check HAMROH_DATABASE_URL and that the server runs"
            ) from error
        opened = cls(pool, url)
        try:
            await opened._migrate(migrations)
        except psycopg.Error as error:  # e.g. PostgreSQL 15: no CREATE on schema public
            await pool.close()
            raise StorageUnavailableError(
                f"cannot create or upgrade Hamroh's tables in PostgreSQL at "
                f"{describe_target(url)}: {_reason(error, url)}; the user in "
                "HAMROH_DATABASE_URL must own the database (CREATE DATABASE hamroh OWNER hamroh)"
            ) from error
        except BaseException:
            await pool.close()
            raise
        return opened

    async def close(self) -> None:
        if self._own is not None:
            await self._own.close()
            self._own = None
        await self._pool.close()

    async def fetch_apart(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Like :meth:`fetch`, on a connection of its own outside the pool.

        Why: recording received updates must not wait behind busy handlers for a pooled
        connection; its latency decides how well two instances agree on order.
        """
        async with self._own_lock:
            if self._own is None or self._own.closed:
                self._own = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
                await _configure(self._own)
            cur = await self._own.execute(sql.encode(), params)
            return await cur.fetchall() if cur.description is not None else []

    async def _migrate(self, migrations: Sequence[str]) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS hamroh_schema (version INTEGER NOT NULL)"
            )
            cur = await conn.execute("SELECT version FROM hamroh_schema")
            row = await cur.fetchone()
            current = int(row[0]) if row else 0
            if row is None:
                await conn.execute("INSERT INTO hamroh_schema (version) VALUES (0)")
            if current > len(migrations):
                raise SchemaTooNewError(
                    f"database schema version {current} is newer than this code knows "
                    f"({len(migrations)})"
                )
            for version in range(current + 1, len(migrations) + 1):
                logger.info("applying PostgreSQL migration %d", version)
                await conn.execute(migrations[version - 1].encode())
                await conn.execute("UPDATE hamroh_schema SET version = %s", (version,))

    async def schema_version(self) -> int:
        rows = await self.fetch("SELECT version FROM hamroh_schema")
        return int(rows[0][0]) if rows else 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AConn]:
        """One connection inside ``BEGIN … COMMIT`` (rolled back on any exception)."""
        async with self._pool.connection() as conn, conn.transaction():
            yield conn

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (its own transaction) and return its rows."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql.encode(), params)
            return await cur.fetchall() if cur.description is not None else []

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql.encode(), params)
            return max(cur.rowcount, 0)
