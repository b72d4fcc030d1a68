"""The operator's and admin's commands on a database they cannot use: one line, no traceback.

``hamroh broadcast``, ``hamroh db backup`` and ``hamroh db retention`` are run as from a
shell (``bot.cli.main``), with the settings an operator would have. Each case must end
in one line that names the database and the reason, exit 1, and leave the file as it
was — above all, a wrong path must not become a new empty database that takes a
broadcast the running bot never sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.ops.backup import verify_copy
from bot.storage import Database

NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)
TOOLS = (
    ["broadcast", "list"],
    ["broadcast", "new", "--text", "ru=Новость", "--yes"],
    ["db", "retention"],
)


def _run(capsys: pytest.CaptureFixture[str], command: list[str]) -> int:
    """``hamroh COMMAND``; what the test wrote while preparing is not the command's."""
    capsys.readouterr()
    return main(command)


def _only_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in captured.err
    return lines[0]


def _a_bot_database(path: Path) -> Path:
    async def fill() -> None:
        db = await Database.open(path)
        try:
            await db.upsert_user(1, 1, "ru", NOW)
        finally:
            await db.close()

    asyncio.run(fill())
    return path


def _damaged(path: Path) -> Path:
    _a_bot_database(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's b-tree
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("command", TOOLS, ids=" ".join)
def test_a_wrong_path_is_refused_and_no_database_is_made(
    hamroh_env, tmp_path: Path, capsys, command: list[str]
) -> None:
    missing = tmp_path / "data" / "hamroh.sqlite3"  # HAMROH_DB_PATH, never created
    assert _run(capsys, command) == 1
    line = _only_line(capsys)
    assert f"no database at {missing}" in line and "HAMROH_DB_PATH" in line
    assert not missing.exists() and not missing.parent.exists()


def test_a_wrong_db_option_is_refused_and_no_database_is_made(
    hamroh_env, tmp_path: Path, capsys
) -> None:
    typo = tmp_path / "hamroh.sqlite" / "x.sqlite3"
    assert (
        _run(capsys, ["broadcast", "--db", str(typo), "new", "--text", "ru=Новость", "--yes"]) == 1
    )
    assert _only_line(capsys) == f"hamroh broadcast: no database at {typo} (check --db)"
    assert not typo.parent.exists()


@pytest.mark.parametrize("command", [*TOOLS, ["db", "backup", "copy.sqlite3"]], ids=" ".join)
def test_a_damaged_database_is_one_line(
    hamroh_env, tmp_path: Path, capsys, monkeypatch, command: list[str]
) -> None:
    path = _damaged(tmp_path / "data" / "hamroh.sqlite3")
    before = path.read_bytes()
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, command) == 1
    line = _only_line(capsys)
    assert line.endswith(
        f"cannot open the database {path}: the file is damaged (database disk image is "
        "malformed); restore a backup"
    )
    assert path.read_bytes() == before
    assert not (tmp_path / "copy.sqlite3").exists()


@pytest.mark.parametrize("command", [*TOOLS, ["db", "backup", "copy.sqlite3"]], ids=" ".join)
def test_a_file_that_is_not_a_database_is_one_line(
    hamroh_env, tmp_path: Path, capsys, monkeypatch, command: list[str]
) -> None:
    path = tmp_path / "data" / "hamroh.sqlite3"
    path.parent.mkdir()
    path.write_text("these are my notes, not a database\n")
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, command) == 1
    assert _only_line(capsys).endswith(
        f"cannot open the database {path}: the file is not a SQLite database"
    )
    assert path.read_text() == "these are my notes, not a database\n"


@pytest.mark.parametrize("command", [*TOOLS, ["db", "backup", "copy.pgdump"]], ids=" ".join)
def test_postgresql_out_of_reach_is_one_line(
    hamroh_env, tmp_path: Path, capsys, monkeypatch, command: list[str]
) -> None:
    hamroh_env.setenv("HAMROH_DATABASE_URL", "postgresql://hamroh:s3cret@127.0.0.1:9/hamroh")
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, command) == 1
    line = _only_line(capsys)
    assert "cannot connect to PostgreSQL at postgresql://hamroh@127.0.0.1:9/hamroh" in line
    assert "s3cret" not in line


def test_a_password_the_driver_quotes_is_not_printed(hamroh_env, capsys) -> None:
    """libpq quotes a percent escape it cannot read, which is in the password here."""
    hamroh_env.setenv("HAMROH_DATABASE_URL", "postgresql://hamroh:s3cret%zz@127.0.0.1:9/hamroh")
    assert _run(capsys, ["broadcast", "list"]) == 1
    line = _only_line(capsys)
    assert line.startswith("hamroh broadcast: cannot connect to PostgreSQL at ")
    assert "s3cret" not in line


@pytest.mark.parametrize("url", ["postgresql://h:s3cret@db:54x2/h", "postgresql://h:s3cret@[::1/h"])
def test_a_url_whose_host_cannot_be_read_is_a_setting_error(hamroh_env, capsys, url: str) -> None:
    hamroh_env.setenv("HAMROH_DATABASE_URL", url)
    assert _run(capsys, ["db", "retention"]) == 2
    line = _only_line(capsys)
    assert line == (
        f"hamroh db: HAMROH_DATABASE_URL (not shown: a secret of {len(url)} characters): the "
        "host and port cannot be read (postgresql://user:password@host:port/db)"
    )
    assert "s3cret" not in line


def test_a_backup_into_a_folder_that_cannot_be_written(
    hamroh_env, tmp_path: Path, capsys, monkeypatch
) -> None:
    """``chattr +i`` is not needed: a file where the folder should be cannot be written
    into either (the tests run as root, for whom permission bits do not count)."""
    _a_bot_database(tmp_path / "data" / "hamroh.sqlite3")
    (tmp_path / "backups").write_text("a file, not a folder\n")
    assert _run(capsys, ["db", "backup", str(tmp_path / "backups" / "today.sqlite3")]) == 1
    line = _only_line(capsys)
    assert line.startswith(f"backup failed: cannot write {tmp_path / 'backups' / 'today.sqlite3'}")
    assert (tmp_path / "backups").read_text() == "a file, not a folder\n"


def test_a_folder_written_with_a_slash_is_made_and_holds_a_dated_copy(
    hamroh_env, tmp_path: Path, capsys
) -> None:
    _a_bot_database(tmp_path / "data" / "hamroh.sqlite3")
    folder = tmp_path / "backups"
    assert _run(capsys, ["db", "backup", f"{folder}/"]) == 0
    assert folder.is_dir()
    (copy,) = folder.iterdir()
    assert copy.name.startswith("hamroh-") and copy.suffix == ".sqlite3"
    assert verify_copy(copy).users == 1
    assert f"backup written to {copy}" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["hamroh.sqlite3-wal", "hamroh.sqlite3-shm"])
def test_a_backup_never_replaces_the_write_ahead_log(
    hamroh_env, tmp_path: Path, capsys, name: str
) -> None:
    path = _a_bot_database(tmp_path / "data" / "hamroh.sqlite3")
    conn = sqlite3.connect(path)  # a reader keeps the log beside the file, as the bot does
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("SELECT count(*) FROM users").fetchone()
        companion = path.with_name(name)
        before = companion.read_bytes() if companion.exists() else None
        assert _run(capsys, ["db", "backup", str(companion)]) == 1
        assert (
            _only_line(capsys) == "backup failed: the backup must not overwrite the database itself"
        )
        assert (companion.read_bytes() if companion.exists() else None) == before
    finally:
        conn.close()


def test_a_backup_onto_something_that_is_not_a_file(hamroh_env, tmp_path: Path, capsys) -> None:
    import os

    _a_bot_database(tmp_path / "data" / "hamroh.sqlite3")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert _run(capsys, ["db", "backup", str(fifo)]) == 1
    assert "is not a file" in _only_line(capsys)
    assert fifo.is_fifo()


def test_a_postgresql_user_who_may_not_create_the_tables_is_one_line(
    hamroh_env, postgres_server, capsys
) -> None:
    """PostgreSQL 15 lets only the owner create tables in ``public``: a user made with
    ``CREATE USER`` in a database it does not own cannot set up Hamroh's tables."""
    import psycopg

    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS hamroh_not_owned")
        conn.execute("DROP ROLE IF EXISTS hamroh_guest")
        conn.execute("CREATE ROLE hamroh_guest LOGIN")
        conn.execute("CREATE DATABASE hamroh_not_owned")
    with psycopg.connect(postgres_server.url("hamroh_not_owned"), autocommit=True) as conn:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    url = postgres_server.url("hamroh_not_owned").replace("//postgres@", "//hamroh_guest@")
    hamroh_env.setenv("HAMROH_DATABASE_URL", url)
    for command in (["db", "retention"], ["broadcast", "list"]):
        assert _run(capsys, command) == 1
        line = _only_line(capsys)
        assert "cannot create or upgrade Hamroh's tables in PostgreSQL at" in line
        assert "permission denied for schema public" in line
        assert line.endswith("must own the database (CREATE DATABASE hamroh OWNER hamroh)")
