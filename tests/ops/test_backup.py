"""`hamroh db backup`: an online copy that opens as a working database."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.ops.backup import BackupError, backup_database, verify_copy
from bot.storage import SCHEMA_VERSION, Database

NOW = dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC)


async def _fill(path: Path, users: int) -> None:
    db = await Database.open(path)
    try:
        for user_id in range(1, users + 1):
            await db.upsert_user(user_id, user_id, "uz", NOW)
            await db.save_interview(
                user_id, {"citizenship": "UZ"}, "in_russia", ["citizenship"], NOW
            )
    finally:
        await db.close()


async def test_backup_restores_to_a_readable_database(tmp_path: Path):
    source = tmp_path / "data" / "hamroh.sqlite3"
    await _fill(source, 25)

    report = await backup_database(source, tmp_path / "backups" / "copy.sqlite3", NOW)

    assert report.users == 25 and report.schema_version == SCHEMA_VERSION
    assert stat.S_IMODE(os.stat(report.path).st_mode) == 0o600
    # Restore = use the copy as the database file.
    restored = tmp_path / "restored" / "hamroh.sqlite3"
    restored.parent.mkdir()
    restored.write_bytes(report.path.read_bytes())
    db = await Database.open(restored)
    try:
        assert await db.schema_version() == SCHEMA_VERSION
        user = await db.get_user(17)
        assert user is not None and user.locale == "uz"
        assert (await db.load_interview(17)).answers == {"citizenship": "UZ"}
        await db.upsert_user(99, 99, "ru", NOW)  # writable, too
    finally:
        await db.close()


async def test_backup_while_the_bot_writes_is_consistent(tmp_path: Path):
    source = tmp_path / "hamroh.sqlite3"
    await _fill(source, 5)
    live = await Database.open(source)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        n = 1000
        while not stop.is_set():
            n += 1
            await live.upsert_user(n, n, "ky", NOW)
            await asyncio.sleep(0)
        return n

    writer = asyncio.create_task(keep_writing())
    try:
        await asyncio.sleep(0.05)
        report = await backup_database(source, tmp_path / "copy.sqlite3", NOW)
    finally:
        stop.set()
        await writer
        await live.close()
    assert report.users >= 5
    assert verify_copy(report.path).users == report.users


async def test_backup_into_a_folder_gets_a_timestamped_name(tmp_path: Path):
    source = tmp_path / "hamroh.sqlite3"
    await _fill(source, 1)
    folder = tmp_path / "backups"
    folder.mkdir()
    report = await backup_database(source, folder, NOW)
    assert report.path == folder / "hamroh-20250305T120000Z.sqlite3"


async def test_backup_refuses_a_missing_source_and_never_creates_it(tmp_path: Path):
    source = tmp_path / "nothing.sqlite3"
    with pytest.raises(BackupError, match="no database"):
        await backup_database(source, tmp_path / "copy.sqlite3", NOW)
    assert not source.exists()


def test_verify_rejects_a_damaged_copy(tmp_path: Path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(BackupError):
        verify_copy(broken)


async def test_hamroh_db_backup_command(hamroh_env, tmp_path: Path, capsys):
    await _fill(tmp_path / "data" / "hamroh.sqlite3", 3)
    dest = tmp_path / "out.sqlite3"
    assert await asyncio.to_thread(main, ["db", "backup", str(dest)]) == 0
    assert "3 users, quick_check ok" in capsys.readouterr().out
    assert verify_copy(dest).users == 3

    hamroh_env.setenv("HAMROH_DB_PATH", str(tmp_path / "missing.sqlite3"))
    assert await asyncio.to_thread(main, ["db", "backup", str(dest)]) == 1
    assert "no database" in capsys.readouterr().err


async def test_backup_of_postgresql_is_a_pg_dump_that_restores(postgres_url: str, tmp_path: Path):
    from bot.storage import open_storage

    db = await open_storage(postgres_url)
    try:
        for user_id in range(1, 8):
            await db.upsert_user(user_id, user_id, "tg", NOW)
    finally:
        await db.close()
    report = await backup_database(postgres_url, tmp_path, NOW)
    assert report.path == tmp_path / "hamroh-20250305T120000Z.pgdump"
    assert report.users == 7 and report.schema_version >= 1
    assert stat.S_IMODE(os.stat(report.path).st_mode) == 0o600
    with pytest.raises(BackupError, match="cannot connect"):
        await backup_database(postgres_url.replace("/hamroh_test", "/nonexistent"), tmp_path, NOW)


async def test_hamroh_db_backup_and_retention_on_postgresql(
    hamroh_env, postgres_url: str, tmp_path: Path, capsys
):
    from bot.storage import open_storage

    db = await open_storage(postgres_url)
    try:
        await db.upsert_user(1, 1, "ru", dt.datetime.now(dt.UTC) - dt.timedelta(days=400))
        await db.upsert_user(2, 2, "ru", dt.datetime.now(dt.UTC))
    finally:
        await db.close()
    hamroh_env.setenv("HAMROH_DATABASE_URL", postgres_url)
    dest = tmp_path / "pg.dump"
    assert await asyncio.to_thread(main, ["db", "backup", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "2 users, pg_restore --list ok" in out and postgres_url not in out
    assert await asyncio.to_thread(main, ["db", "retention"]) == 0
    assert "deleted 1 users" in capsys.readouterr().out


async def test_an_unreachable_postgresql_is_one_clear_line(postgres_url: str):
    from bot.storage import StorageUnavailableError, open_storage

    wrong = postgres_url.replace("postgres@", "postgres:hunter2@").replace(
        "/hamroh_test", "/no_such_db"
    )
    with pytest.raises(StorageUnavailableError) as caught:
        await open_storage(wrong)
    message = str(caught.value)
    assert "no_such_db" in message and "hunter2" not in message and "\n" not in message
