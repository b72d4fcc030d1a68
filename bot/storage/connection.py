"""The SQLite connections, their pragmas, a migration runner and safe transactions.

Two connections to one file, each with its own job:

* **The worker connection** (aiosqlite: every statement runs on its worker thread)
  serves everything: migrations, bulk statements (the outbox, campaigns, re-checks),
  maintenance, backups and checkpoints. An :class:`asyncio.Lock` around each unit of
  work keeps two coroutines' ``BEGIN … COMMIT`` from interleaving on it. Its
  ``busy_timeout`` (5 s) covers another process (the CLI) holding the write lock.
* **The inline connection** (plain :mod:`sqlite3`, used synchronously on the event
  loop's thread) serves only the short point statements of an update: the user and
  their interview read, the interview saved, the user row of the language step
  (:meth:`SqliteConnection.point`). Why: a trip to aiosqlite's thread and back cost more
  than the SQL itself, and with many chats at once those hops (and the GIL hand-overs
  behind them) were the largest single cost of an update (BENCHMARKS.md §1: 1.8× in
  benchmark 1 without them). It never waits: ``busy_timeout=0``, so if another
  connection or process holds the write lock, its statement fails at once with
  ``SQLITE_BUSY`` and the same work goes to the worker connection instead, which waits
  there (the event loop and every other chat go on). A unit of it is one synchronous
  call, so its transaction never stays open across an ``await``. With WAL and
  ``synchronous=NORMAL`` an inline commit is a ``write()`` into the WAL, no ``fsync``;
  ``wal_autocheckpoint=0`` keeps checkpoints (which do ``fsync``) off the loop: after
  every :data:`CHECKPOINT_EVERY_INLINE_WRITES` inline writes a ``PASSIVE`` checkpoint
  runs on the worker connection instead. ``:memory:`` databases have no inline
  connection (a second connection would see another database).

Why the transaction helper is careful about cancellation: the delivery worker can
be cancelled (shutdown, crash simulation) while a statement is in flight. The
statement still completes on the worker thread, so a plain ``try/except`` could
leave a transaction open and poison the connection. The rollback is queued behind
it (aiosqlite executes in submission order) and shielded from a second cancel.

Pragmas: WAL lets readers proceed while the sender writes; ``synchronous=NORMAL``
is durable across application crashes in WAL mode (only an OS crash may lose the
last commits); ``foreign_keys`` enforces cascades; ``busy_timeout`` covers a second
process (the CLI) touching the file; ``secure_delete`` overwrites deleted rows so a
``/forget`` really removes the answers from the file, not just from the index. Both
connections set them (``busy_timeout`` and ``wal_autocheckpoint`` differ, as above).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.storage.backup_file import written_into_place

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY_INLINE_WRITES = 250
"""A ``PASSIVE`` checkpoint on the worker connection after this many inline writes.

SQLite's own automatic checkpoint (at 1,000 WAL pages) runs on the connection that
commits, and the inline connection has it off; an update writes about four pages."""
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


def _open_inline(path: str) -> sqlite3.Connection:
    """The inline connection: the worker's pragmas, but it never waits and never
    checkpoints (see the module docstring). Opened after the migrations."""
    # check_same_thread=False: the thread is checked by SqliteConnection.point itself,
    # and close() may run on another thread at interpreter exit.
    inline = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        for pragma in (
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=0",
            "secure_delete=ON",
            "wal_autocheckpoint=0",
        ):
            inline.execute(f"PRAGMA {pragma}")
    except BaseException:
        inline.close()
        raise
    return inline


def _is_locked(error: sqlite3.OperationalError) -> bool:
    """``SQLITE_BUSY`` or ``SQLITE_LOCKED`` (any extended code): another connection has
    the lock the statement needs."""
    return error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _run_inline(
    inline: sqlite3.Connection, work: Callable[[sqlite3.Connection], T], transaction: bool
) -> T:
    """``work(inline)``, as one ``BEGIN IMMEDIATE`` … ``COMMIT`` if ``transaction``;
    rolled back on any error, so no transaction is left open when this returns."""
    if not transaction:
        return work(inline)
    inline.execute("BEGIN IMMEDIATE")
    try:
        result = work(inline)
        inline.execute("COMMIT")
    except BaseException:
        if inline.in_transaction:
            inline.execute("ROLLBACK")
        raise
    return result


class SchemaTooNewError(RuntimeError):
    """The file was written by a newer version of the bot; refusing to guess its schema."""


class SqliteConnection:
    """A serialised aiosqlite connection with migrations applied.

    Use :meth:`open`, then :meth:`transaction` for writes (``BEGIN IMMEDIATE`` … ``COMMIT``)
    and :meth:`read` for consistent reads. Both hold the same lock.
    """

    def __init__(
        self, conn: aiosqlite.Connection, path: str, inline: sqlite3.Connection | None = None
    ) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self._inline = inline
        self._inline_thread = threading.get_ident()
        self._inline_writes = 0
        self._checkpointing: asyncio.Task[None] | None = None
        self._waiting_points = 0
        """Point units sent to the worker connection and not done yet."""
        self.inline_units = 0
        """Point units done on the inline connection (tests and benchmarks read these)."""
        self.inline_fallbacks = 0
        """Point units the inline connection found locked and left to the worker."""

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
            if path_str != ":memory:":
                opened._inline = _open_inline(path_str)
        except BaseException:
            await conn.close()
            raise
        return opened

    async def close(self) -> None:
        """Close both connections (idempotent)."""
        await self.checkpoints_done()
        inline, self._inline = self._inline, None
        if inline is not None:
            inline.close()
        async with self._lock:
            with contextlib.suppress(ValueError):  # already closed
                await self._conn.close()

    @property
    def inline(self) -> sqlite3.Connection | None:
        """The inline connection, if there is one (tests inspect it)."""
        return self._inline

    async def checkpoints_done(self) -> None:
        """Wait for the passive checkpoint the inline writes started, if one is running."""
        if self._checkpointing is not None:
            await asyncio.shield(self._checkpointing)

    async def point(
        self, work: Callable[[sqlite3.Connection], T], *, transaction: bool = False
    ) -> T:
        """Run a short point unit of an update (a few statements on one person's rows) on
        the inline connection, on the event loop's thread, without a trip to the worker;
        if the file is locked, on the worker connection as :meth:`run_transaction`
        (``transaction``) or :meth:`run` would.

        ``work`` must only use the connection it is given, step every statement to its
        end (``fetchall``) and not block. Without ``transaction`` each statement commits
        on its own, and a later one may find the file locked after an earlier one
        committed: the unit must then be safe to run again from the start.
        """
        inline = self._inline
        if (
            inline is not None
            and not self._waiting_points
            and threading.get_ident() == self._inline_thread
        ):
            changes = inline.total_changes
            try:
                result = _run_inline(inline, work, transaction)
            except sqlite3.OperationalError as error:
                if not _is_locked(error):
                    raise
                self.inline_fallbacks += 1
            else:
                self.inline_units += 1
                if inline.total_changes != changes:
                    self._note_inline_write()
                return result
        # On the worker, in order: while a point unit waits there, later ones queue
        # behind it rather than overtake it inline (the lock is first come, first
        # served). Shielded: a cancelled caller's unit still runs to its end before any
        # later one, as a unit already queued on the worker thread always did.
        unit = asyncio.ensure_future(self.run_transaction(work) if transaction else self.run(work))
        self._waiting_points += 1
        unit.add_done_callback(self._point_done)
        return await asyncio.shield(unit)

    def _point_done(self, _unit: asyncio.Future[Any]) -> None:
        self._waiting_points -= 1

    async def point_fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """:meth:`fetch` of one point statement, inline when the file is not locked."""

        def one(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return conn.execute(sql, params).fetchall()

        return await self.point(one)

    def _note_inline_write(self) -> None:
        """Count an inline write; start a passive checkpoint on the worker every so often."""
        self._inline_writes += 1
        if self._inline_writes >= CHECKPOINT_EVERY_INLINE_WRITES and self._checkpointing is None:
            self._inline_writes = 0
            self._checkpointing = asyncio.get_running_loop().create_task(self._passive_checkpoint())

    async def _passive_checkpoint(self) -> None:
        """Copy the WAL's pages into the main file without waiting for anyone (the next
        writer then starts the WAL from its beginning, so it stops growing)."""
        try:
            await self.fetch("PRAGMA wal_checkpoint(PASSIVE)")
        except (sqlite3.Error, ValueError) as error:  # ValueError: closed meanwhile
            logger.warning("passive WAL checkpoint failed: %s", type(error).__name__)
        finally:
            self._checkpointing = None

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
        if self._inline is not None and threading.get_ident() == self._inline_thread:
            # The inline connection's page cache may still hold pages of the deleted rows.
            self._inline.execute("PRAGMA shrink_memory")

    async def backup(self, dest_path: str | os.PathLike[str]) -> Path:
        """Copy the live database to ``dest_path`` with SQLite's online backup API.

        Writers are not blocked for the whole copy and the result is a consistent
        snapshot. The copy goes to a temporary file first and is renamed into place,
        so a crash never leaves a half-written backup under the final name.
        """
        dest = Path(dest_path)
        with written_into_place(dest) as tmp_name:
            # The target is used on aiosqlite's worker thread, hence check_same_thread=False.
            target = sqlite3.connect(tmp_name, check_same_thread=False)
            try:
                async with self._lock:
                    await self._conn.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        return dest
