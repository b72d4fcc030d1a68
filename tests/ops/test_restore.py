"""``hamroh db restore BACKUP``: a checked backup back in place of the SQLite file.

Driven as an operator would: ``hamroh db backup``, more happens, the bot stops, ``hamroh
db restore``. The database that was there is kept beside it with its ``-wal`` (so
nothing is lost, not even writes a crash left in the log); a damaged backup, a running
bot or PostgreSQL leave everything as it was, with one line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.ops.heartbeat import write_heartbeat
from bot.storage import Database

NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


async def _users(path: Path, *ids: int) -> None:
    db = await Database.open(path)
    try:
        for user_id in ids:
            await db.upsert_user(user_id, user_id, "ky", NOW)
    finally:
        await db.close()


def _ids(path: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT user_id FROM users ORDER BY 1")]
    finally:
        conn.close()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    capsys.readouterr()
    code = main(["db", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_a_backup_comes_back_and_the_database_that_was_there_is_kept(
    hamroh_env, tmp_path: Path, capsys
) -> None:
    db_path = tmp_path / "data" / "hamroh.sqlite3"
    asyncio.run(_users(db_path, 1, 2))
    backup = tmp_path / "backups" / "monday.sqlite3"
    assert _run(capsys, "backup", str(backup))[0] == 0
    asyncio.run(_users(db_path, 3))  # after the backup

    code, out, err = _run(capsys, "restore", str(backup))
    assert (code, err) == (0, [])
    assert out[0] == f"restored {backup} to {db_path}: schema version 3, 2 users"
    (kept,) = tmp_path.joinpath("data").glob("hamroh.sqlite3.before-restore-*")
    assert out[1] == (
        f"the database that was there is kept as {kept}; like a backup, /forget and "
        "retention do not reach it: delete it once you do not need it"
    )
    assert _ids(db_path) == [1, 2]
    assert _ids(kept) == [1, 2, 3]
    assert db_path.stat().st_mode & 0o777 == 0o600
    asyncio.run(_users(db_path, 4))  # the bot can use it again
    assert _ids(db_path) == [1, 2, 4]


def test_writes_a_crash_left_in_the_log_stay_with_the_kept_database(
    hamroh_env, tmp_path: Path, capsys
) -> None:
    """The crashed database's ``-wal`` holds a user the main file does not: it must not be
    paired with the backup, and must still be readable in the kept copy."""
    asyncio.run(_users(tmp_path / "before.sqlite3", 1))
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(tmp_path / "before.sqlite3", tmp_path / "data.sqlite3")
    hamroh_env.setenv("HAMROH_DB_PATH", str(tmp_path / "data.sqlite3"))
    assert _run(capsys, "backup", str(backup))[0] == 0

    live = sqlite3.connect(tmp_path / "data.sqlite3", isolation_level=None)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("PRAGMA wal_autocheckpoint=0")
    live.execute("INSERT INTO users (user_id, chat_id, locale, created_at, last_seen_at) "
                 "SELECT 7, 7, locale, created_at, last_seen_at FROM users WHERE user_id = 1")  # fmt: skip
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal"):  # the files as a crash leaves them
        shutil.copyfile(tmp_path / f"data.sqlite3{suffix}", crashed / f"hamroh.sqlite3{suffix}")
    live.close()
    db_path = crashed / "hamroh.sqlite3"
    hamroh_env.setenv("HAMROH_DB_PATH", str(db_path))

    code, _out, err = _run(capsys, "restore", str(backup))
    assert (code, err) == (0, [])
    assert _ids(db_path) == [1]
    assert not db_path.with_name("hamroh.sqlite3-wal").exists()
    (kept,) = crashed.glob("hamroh.sqlite3.before-restore-*[0-9TZ]")
    assert _ids(kept) == [1, 7]


def test_a_damaged_backup_leaves_the_database_as_it_was(hamroh_env, tmp_path: Path, capsys):
    db_path = tmp_path / "data" / "hamroh.sqlite3"
    asyncio.run(_users(db_path, 1))
    before = db_path.read_bytes()
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    code, out, err = _run(capsys, "restore", str(broken))
    assert code == 1 and out == []
    assert err == [
        f"hamroh db restore: {broken}: the copy cannot be read (DatabaseError); the database "
        "was left as it was"
    ]
    assert db_path.read_bytes() == before
    assert list(db_path.parent.glob("*before-restore*")) == []
    code, _out, err = _run(capsys, "restore", str(tmp_path / "missing.sqlite3"))
    assert code == 1 and err == [f"hamroh db restore: no backup at {tmp_path / 'missing.sqlite3'}"]


def test_not_while_the_bot_runs(hamroh_env, tmp_path: Path, capsys) -> None:
    db_path = tmp_path / "data" / "hamroh.sqlite3"
    asyncio.run(_users(db_path, 1))
    backup = tmp_path / "b.sqlite3"
    assert _run(capsys, "backup", str(backup))[0] == 0
    write_heartbeat(tmp_path / "data" / "heartbeat")  # a running bot's heartbeat
    code, _out, err = _run(capsys, "restore", str(backup))
    assert code == 1
    assert len(err) == 1 and err[0].startswith("hamroh db restore: the bot is running (")
    assert err[0].endswith("); stop it first")
    assert list(db_path.parent.glob("*before-restore*")) == []


def test_into_a_place_with_no_database_yet(hamroh_env, tmp_path: Path, capsys) -> None:
    asyncio.run(_users(tmp_path / "old.sqlite3", 5))
    hamroh_env.setenv("HAMROH_DB_PATH", str(tmp_path / "old.sqlite3"))
    assert _run(capsys, "backup", str(tmp_path / "b.sqlite3"))[0] == 0
    fresh = tmp_path / "new-machine" / "hamroh.sqlite3"
    hamroh_env.setenv("HAMROH_DB_PATH", str(fresh))
    code, out, _err = _run(capsys, "restore", str(tmp_path / "b.sqlite3"))
    assert code == 0 and len(out) == 1 and _ids(fresh) == [5]


def test_on_postgresql_it_points_to_pg_restore(hamroh_env, capsys) -> None:
    hamroh_env.setenv("HAMROH_DATABASE_URL", "postgresql://hamroh:s3cret@127.0.0.1:9/hamroh")
    code, _out, err = _run(capsys, "restore", "x.pgdump")
    assert code == 2 and len(err) == 1 and "pg_restore --dbname URL FILE" in err[0]
