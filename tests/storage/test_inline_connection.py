"""The inline connection: an update's point statements run on the event loop's thread,
never wait there for a lock, and leave checkpoints to the worker connection.

Real SQLite files; "another process" is a second ``sqlite3`` connection to the same
file holding the write lock (``BEGIN IMMEDIATE``), as the CLI or a backup tool would.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database
from bot.storage import connection as connection_module


def _blocker(db: Database) -> sqlite3.Connection:
    """Another connection to the same file, holding the write lock until it commits."""
    other = sqlite3.connect(db.connection.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def _until(condition, what: str) -> None:
    """Let the event loop run until ``condition()`` holds (bounded; no timing asserted)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_point_statements_run_inline_with_the_worker_pragmas(db: Database, now) -> None:
    inline = db.connection.inline
    assert inline is not None
    pragmas = {
        name: inline.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "foreign_keys", "busy_timeout", "secure_delete",
                     "wal_autocheckpoint", "synchronous")
    }  # fmt: skip
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 0,
        "secure_delete": 1,
        "wal_autocheckpoint": 0,
        "synchronous": 1,  # NORMAL
    }
    before = db.connection.inline_units
    await db.upsert_user(1, 1, "ru", now)
    await db.save_interview(1, {"citizenship": "UZ"}, "in_russia", ["citizenship"], now)
    user, interview = await db.seen_with_interview(1, now)
    assert user is not None and interview.answers == {"citizenship": "UZ"}
    assert db.connection.inline_units == before + 3
    assert db.connection.inline_fallbacks == 0
    assert not inline.in_transaction


async def test_a_locked_file_sends_the_unit_to_the_worker_which_waits_for_it(
    db: Database, now
) -> None:
    """Another process holds the write lock: the inline statement fails at once, the
    worker connection waits for the lock (the event loop meanwhile goes on), and the
    write lands once the lock is released."""
    await db.upsert_user(2, 2, "ru", now)
    other = _blocker(db)
    try:
        saving = asyncio.create_task(
            db.save_interview(2, {"citizenship": "KG"}, "in_russia", ["citizenship"], now)
        )
        await _until(lambda: db.connection.inline_fallbacks == 1, "the fallback")
        ticks = 0
        for _ in range(5):  # the loop is not blocked while the worker waits
            await asyncio.sleep(0)
            ticks += 1
        assert ticks == 5 and not saving.done()
    finally:
        other.execute("COMMIT")
        other.close()
    await saving
    assert (await db.load_interview(2)).answers == {"citizenship": "KG"}


async def test_units_waiting_on_the_worker_keep_their_order_even_when_cancelled(
    db: Database, now
) -> None:
    """A unit that went to the worker (file locked) runs before any later one, even if
    its caller was cancelled: a later save does not overtake it inline."""
    await db.upsert_user(3, 3, "ru", now)
    other = _blocker(db)
    first = asyncio.create_task(db.save_interview(3, {"citizenship": "UZ"}, None, [], now))
    await _until(lambda: db.connection.inline_fallbacks == 1, "the fallback")
    await asyncio.sleep(0.05)  # let the worker reach its wait for the lock
    first.cancel()
    other.execute("COMMIT")
    other.close()
    await db.save_interview(3, {"citizenship": "TJ"}, None, [], now)  # the later state
    with pytest.raises(asyncio.CancelledError):
        await first
    await db.connection.fetch("SELECT 1")  # queued behind anything still on the worker
    assert (await db.load_interview(3)).answers == {"citizenship": "TJ"}
    # and once nothing waits on the worker, point units run inline again
    before = db.connection.inline_units
    await db.load_interview(3)
    assert db.connection.inline_units == before + 1


async def test_a_failing_inline_unit_rolls_back_and_leaves_no_transaction_open(
    db: Database, now
) -> None:
    await db.upsert_user(4, 4, "ru", now)

    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE users SET locale = 'ky' WHERE user_id = 4")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.connection.point(half_then_fail, transaction=True)
    inline = db.connection.inline
    assert inline is not None and not inline.in_transaction
    user = await db.get_user(4)
    assert user is not None and user.locale == "ru"


def _rows_in_main_file(db: Database, tmp_path: Path, name: str) -> int:
    """Users in the main database file alone, without its WAL (what a checkpoint copied)."""
    copy = tmp_path / name
    shutil.copyfile(db.connection.path, copy)
    with sqlite3.connect(copy) as raw:
        return int(raw.execute("SELECT count(*) FROM users").fetchone()[0])


async def test_inline_writes_are_checkpointed_on_the_worker(
    db: Database, now, tmp_path: Path, monkeypatch
) -> None:
    """The inline connection never checkpoints (that would ``fsync`` on the event loop);
    after a number of inline writes the worker connection copies the WAL into the main
    file, so the WAL does not grow without end."""
    monkeypatch.setattr(connection_module, "CHECKPOINT_EVERY_INLINE_WRITES", 3)
    await db.connection.checkpoint()  # start from an empty WAL
    await db.upsert_user(5, 5, "ru", now)
    await db.upsert_user(6, 6, "ru", now)
    await db.connection.checkpoints_done()
    assert _rows_in_main_file(db, tmp_path, "before.db") == 0  # still only in the WAL
    await db.upsert_user(7, 7, "ru", now)  # the third inline write
    await db.connection.checkpoints_done()
    assert _rows_in_main_file(db, tmp_path, "after.db") == 3


async def test_a_memory_database_has_no_inline_connection(now) -> None:
    db = await Database.open(":memory:")
    try:
        assert db.connection.inline is None
        await db.upsert_user(1, 1, "ru", now)
        assert (await db.seen_with_interview(1, now))[0] is not None
    finally:
        await db.close()
