"""The connection layer: pragmas, migrations, transactions, backup."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.storage import MIGRATIONS, SCHEMA_VERSION, Database, SchemaTooNewError
from bot.storage.connection import SqliteConnection


async def _scalar(conn: SqliteConnection, sql: str) -> object:
    async with conn.read() as c, c.execute(sql) as cur:
        row = await cur.fetchone()
    assert row is not None
    return row[0]


async def test_open_creates_folder_wal_foreign_keys_and_private_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.db"
    db = await Database.open(path)
    try:
        assert path.exists()
        assert await _scalar(db.connection, "PRAGMA journal_mode") == "wal"
        assert await _scalar(db.connection, "PRAGMA foreign_keys") == 1
        assert await _scalar(db.connection, "PRAGMA busy_timeout") == 5000
        assert await _scalar(db.connection, "PRAGMA secure_delete") == 1
        assert await db.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        await db.close()


async def test_old_version_file_is_upgraded_and_keeps_data(tmp_path: Path, now) -> None:
    path = tmp_path / "old.db"
    old = await Database.open(path, migrations=MIGRATIONS[:1])
    assert await old.schema_version() == 1
    await old.upsert_user(7, 7, "tg", now)
    await old.save_answer(7, "citizenship", "TJ", now)
    await old.close()
    with sqlite3.connect(path) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "outbox" not in tables

    new = await Database.open(path)
    try:
        assert await new.schema_version() == SCHEMA_VERSION
        user = await new.get_user(7)
        assert user is not None and user.locale == "tg"
        assert (await new.load_interview(7)).answers == {"citizenship": "TJ"}
        assert await _scalar(new.connection, "SELECT COUNT(*) FROM outbox") == 0
    finally:
        await new.close()


async def test_reopening_is_a_no_op(tmp_path: Path, now) -> None:
    path = tmp_path / "same.db"
    db = await Database.open(path)
    await db.upsert_user(1, 1, "ru", now)
    schema_before = await _scalar(db.connection, "SELECT group_concat(sql, ';') FROM sqlite_master")
    await db.close()
    db = await Database.open(path)
    try:
        assert await db.schema_version() == SCHEMA_VERSION
        schema_after = await _scalar(
            db.connection, "SELECT group_concat(sql, ';') FROM sqlite_master"
        )
        assert schema_after == schema_before
        assert await db.get_user(1) is not None
    finally:
        await db.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError):
        await Database.open(path)


async def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    broken = (*MIGRATIONS[:1], "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;")
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(path, migrations=broken)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names


async def test_transaction_rolls_back_on_error(db: Database, now) -> None:
    with pytest.raises(RuntimeError):
        async with db.connection.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
                "VALUES (5, 5, 'ru', 'x', 'x')"
            )
            raise RuntimeError("boom")
    assert await db.get_user(5) is None
    await db.upsert_user(5, 5, "ru", now)  # the connection is still usable
    assert await db.get_user(5) is not None


async def test_cancelled_transaction_does_not_poison_the_connection(db: Database, now) -> None:
    entered = asyncio.Event()

    async def slow_writer() -> None:
        async with db.connection.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
                "VALUES (6, 6, 'ru', 'x', 'x')"
            )
            entered.set()
            await asyncio.Event().wait()  # never finishes on its own

    task = asyncio.create_task(slow_writer())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.get_user(6) is None
    await db.upsert_user(6, 6, "ky", now)
    assert (await db.get_user(6)) is not None


async def test_run_transaction_is_all_or_nothing(db: Database, now) -> None:
    insert = (
        "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
        "VALUES (?, ?, 'ru', 'x', 'x')"
    )

    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute(insert, (7, 7))
        conn.execute(insert, (7, 7))  # the same key again: IntegrityError

    with pytest.raises(sqlite3.IntegrityError):
        await db.connection.run_transaction(half_then_fail)
    assert await _scalar(db.connection, "SELECT count(*) FROM users WHERE user_id = 7") == 0

    def both(conn: sqlite3.Connection) -> int:
        conn.execute(insert, (7, 7))
        conn.execute(insert, (8, 8))
        return 2

    assert await db.connection.run_transaction(both) == 2
    assert await _scalar(db.connection, "SELECT count(*) FROM users WHERE user_id IN (7, 8)") == 2


async def test_a_cancelled_caller_of_run_transaction_leaves_it_whole(db: Database, now) -> None:
    """The unit runs on the database thread: cancelling the caller neither cuts it in
    half nor leaves a transaction open for the next writer."""
    insert = (
        "INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
        "VALUES (?, ?, 'ru', 'x', 'x')"
    )

    def two_rows(conn: sqlite3.Connection) -> None:
        conn.execute(insert, (9, 9))
        conn.execute(insert, (10, 10))

    task = asyncio.create_task(db.connection.run_transaction(two_rows))
    await asyncio.sleep(0)  # the unit is queued (or running) on the worker thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # queued behind the cancelled unit on the worker thread: it ran whole
    assert await _scalar(db.connection, "SELECT count(*) FROM users WHERE user_id IN (9, 10)") == 2
    await db.save_interview(9, {"citizenship": "TJ", "in_russia": "yes"}, None, [], now)
    assert (await db.load_interview(9)).answers == {"citizenship": "TJ", "in_russia": "yes"}


async def test_backup_is_a_consistent_standalone_copy(db: Database, tmp_path: Path, now) -> None:
    await db.upsert_user(11, 11, "uz", now)
    await db.save_answer(11, "in_russia", "yes", now)
    dest = await db.backup(tmp_path / "backups" / "copy.db")
    assert dest.exists()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    with sqlite3.connect(dest) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert raw.execute("SELECT locale FROM users WHERE user_id = 11").fetchone() == ("uz",)
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert not list((tmp_path / "backups").glob("*.tmp"))


async def test_memory_database_works(now) -> None:
    db = await Database.open(":memory:")
    try:
        await db.upsert_user(1, 1, "ru", now)
        assert (await db.get_user(1)) is not None
    finally:
        await db.close()


async def test_an_sqlite_too_old_for_returning_is_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with pytest.raises(RuntimeError, match=r"SQLite 3\.31\.1 is too old; Hamroh needs 3\.35"):
        await SqliteConnection.open(tmp_path / "old.sqlite3", MIGRATIONS)
    assert not (tmp_path / "old.sqlite3").exists()
