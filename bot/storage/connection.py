"""One aiosqlite connection, its pragmas, a migration runner and safe transactions.

Why one connection with a lock: aiosqlite runs every statement on one worker
thread, so two coroutines that each do ``BEGIN … COMMIT`` on a shared connection
would interleave their statements inside one transaction. An :class:`asyncio.Lock`
around each unit of work prevents that; SQLite serialises writers anyway, and the
bot's throughput is bounded by Telegram (30 msg/s), not by the database.

Why the transaction helper is careful about cancellation: the delivery worker can
be cancelled (shutdown, crash simulation) while a statement is in flight. The
statement still completes on the worker thread, so a plain ``try/except`` could
leave a transaction open and poison the connection. The rollback is queued behind
it (aiosqlite executes in submission order) and shielded from a second cancel.

Pragmas: WAL lets readers proceed while the sender writes; ``synchronous=NORMAL``
is durable across application crashes in WAL mode (only an OS crash may lose the
last commits); ``foreign_keys`` enforces cascades; ``busy_timeout`` covers a second
process (the CLI) touching the file; ``secure_delete`` overwrites deleted rows so a
``/forget`` really removes the answers from the file, not just from the index.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import tempfile
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")
MIN_SQLITE_VERSION = (3, 35, 0)
"""``UPDATE … RETURNING`` (one trip per write) arrived in SQLite 3.35 (March 2021)."""


def _create_private_file(path: str) -> None:
    """Create the database file readable by its owner only, if it does not exist yet.

    The file holds the migration status of people who may be undocumented; SQLite
    gives its ``-wal``/``-shm`` companions the same permissions as the main file.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


class SchemaTooNewError(RuntimeError):
    """The file was written by a newer version of the bot; refusing to guess its schema."""


class SqliteConnection:
    """A serialised aiosqlite connection with migrations applied.

    Use :meth:`open`, then :meth:`transaction` for writes (``BEGIN IMMEDIATE`` … ``COMMIT``)
    and :meth:`read` for consistent reads. Both hold the same lock.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(
        cls, path: str | os.PathLike[str], migrations: Sequence[str]
    ) -> SqliteConnection:
        """Open (creating the parent folder if needed), set pragmas and migrate.

        ``":memory:"`` is accepted for throwaway use; WAL is skipped there.
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old; Hamroh needs 3.35 or newer"
            )
        path_str = os.fspath(path)
        if path_str != ":memory:":
            Path(path_str).parent.mkdir(parents=True, exist_ok=True)
            _create_private_file(path_str)
        conn = await aiosqlite.connect(path_str, isolation_level=None)
        try:
            if path_str != ":memory:":
                await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA secure_delete=ON")
            opened = cls(conn, path_str)
            await opened._migrate(migrations)
        except BaseException:
            await conn.close()
            raise
        return opened

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        async with self._lock:
            with contextlib.suppress(ValueError):  # already closed
                await self._conn.close()

    async def user_version(self) -> int:
        """The schema version stored in the file header (``PRAGMA user_version``)."""
        async with self.read() as conn, conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self, migrations: Sequence[str]) -> None:
        """Apply every migration above the file's ``user_version``, each in its own transaction.

        The version bump is inside the same transaction as the script, so a failed
        migration leaves the file exactly at the previous version.
        """
        current = await self.user_version()
        target = len(migrations)
        if current > target:
            raise SchemaTooNewError(
                f"database schema version {current} is newer than this code knows ({target})"
            )
        for version in range(current + 1, target + 1):
            script = migrations[version - 1]
            logger.info("applying database migration %d", version)
            try:
                await self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                )
            except BaseException:
                await asyncio.shield(self._rollback_quietly())
                raise

    async def _rollback_quietly(self) -> None:
        """Roll back if a transaction is open; never raise (used on error paths)."""
        with contextlib.suppress(sqlite3.Error):  # raised when no transaction was open
            await self._conn.execute("ROLLBACK")

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one ``BEGIN IMMEDIATE`` transaction; roll back on any exception.

        ``IMMEDIATE`` takes the write lock up front so a read-then-write block cannot
        fail half-way with ``SQLITE_BUSY`` when another process writes.
        """
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
            except BaseException:
                await asyncio.shield(self._rollback_quietly())
                raise
            else:
                await asyncio.shield(self._conn.execute("COMMIT"))

    async def run_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(connection)`` as one ``BEGIN IMMEDIATE`` … ``COMMIT``, in one trip.

        Why: a transaction through the async API costs a trip to aiosqlite's worker thread
        per statement, plus ``BEGIN`` and ``COMMIT``; with many chats at once these trips
        (and the thread switches behind them) cost more than the SQL. Here the whole unit
        runs on the worker thread, so it also commits or rolls back in full even if the
        awaiting handler is cancelled half-way. ``work`` must only use the connection
        it is given and must not block on anything else.

        Uses aiosqlite's ``_execute`` (queue a function on its thread), which it has had
        since 0.17; the pin in ``pyproject.toml`` and the storage tests guard it.
        """

        def in_transaction(raw: sqlite3.Connection) -> T:  # runs on the worker thread
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(raw)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            return result

        return await self.run(in_transaction)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(connection)`` on the worker thread in one trip, in autocommit mode:
        each statement is its own transaction, as with :meth:`fetch`. For a few
        statements that need no common transaction (a write, then a read that follows
        it). ``work`` must only use the connection it is given and must step every
        statement to its end (``fetchall``)."""

        def unit(conn: aiosqlite.Connection) -> T:  # runs on the worker thread
            return work(conn._conn)

        async with self._lock:
            return cast(T, await self._conn._execute(unit, self._conn))  # type: ignore[no-untyped-call]

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return all its rows, in a single trip to the worker thread.

        Why: every ``await`` on aiosqlite is a hop to its thread and back (about 40 µs of
        CPU, serialised for all chats by the lock), and ``execute`` + ``fetchall`` + cursor
        ``close`` is three of them. A single write statement needs no ``BEGIN``: in
        autocommit mode SQLite makes it one atomic transaction on its own, and
        ``RETURNING`` reports the rows it changed.
        """
        async with self._lock:
            # No row factory is set: aiosqlite returns a list of plain tuples.
            return cast(list[tuple[Any, ...]], await self._conn.execute_fetchall(sql, params))

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the connection for reads (autocommit; each statement sees committed data)."""
        async with self._lock:
            yield self._conn

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A separate read-only connection for long reads (``/stats`` over millions of rows).

        Why: :meth:`read` holds the shared lock, so a 2-second aggregate would stall every
        handler. WAL lets this second connection read a consistent snapshot while the
        main one keeps writing. ``:memory:`` databases fall back to :meth:`read`.
        """
        if self.path == ":memory:":
            async with self.read() as conn:
                yield conn
            return
        uri = f"file:{urllib.parse.quote(os.path.abspath(self.path))}?mode=ro"
        conn = await aiosqlite.connect(uri, uri=True)
        try:
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            yield conn
        finally:
            await conn.close()

    async def checkpoint(self) -> None:
        """Fold the WAL back into the main file and truncate it.

        Called after deletions for privacy: with ``secure_delete`` the main file no
        longer holds the deleted rows, and truncating the WAL drops old page images.
        """
        if self.path == ":memory:":
            return
        # fetch: the statement returns a row and must be stepped to its end (and its
        # cursor closed), or a later COMMIT on this connection finds it still running.
        await self.fetch("PRAGMA wal_checkpoint(TRUNCATE)")

    async def backup(self, dest_path: str | os.PathLike[str]) -> Path:
        """Copy the live database to ``dest_path`` with SQLite's online backup API.

        Writers are not blocked for the whole copy and the result is a consistent
        snapshot. The copy goes to a temporary file first and is renamed into place,
        so a crash never leaves a half-written backup under the final name.
        """
        dest = Path(dest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
        os.close(fd)
        # The target is used on aiosqlite's worker thread, hence check_same_thread=False.
        target = sqlite3.connect(tmp_name, check_same_thread=False)
        try:
            async with self._lock:
                await self._conn.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        except BaseException:
            target.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        target.close()
        os.replace(tmp_name, dest)
        return dest
