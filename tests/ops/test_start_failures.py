"""``hamroh run`` that cannot start says why in one line, and nothing else about it.

A database that cannot be used stops the bot with exit 2 before any call to
Telegram: the Bot API address points where nothing listens, so had the bot got as
far as ``getMe`` it would have said "cannot reach the Telegram Bot API" (exit 1).
Read-only folders and files are made with ``chattr +i`` (the tests run as root,
for whom permission bits do not count); where that is not allowed they are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "http://127.0.0.1:9/bot"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HAMROH_BOT_TOKEN", "123456789:AAFakeTokenForTheTest")
    monkeypatch.setenv("HAMROH_BOT_API_URL", NOWHERE)
    monkeypatch.setenv("HAMROH_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("HAMROH_HEARTBEAT_PATH", str(tmp_path / "heartbeat"))


def a_database(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes(x)")
    conn.executemany("INSERT INTO notes VALUES (?)", [("x" * 100,)] * 200)
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths to make immutable with ``chattr +i``; made mutable again afterwards."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def make_immutable(paths: list[Path], path: Path) -> None:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not allowed here")
    paths.append(path)


def run_and_read(monkeypatch: pytest.MonkeyPatch, capsys, db_path: Path) -> tuple[int, list[str]]:
    monkeypatch.setenv("HAMROH_DB_PATH", str(db_path))
    code = main(["run"])
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def one_line_about_the_database(lines: list[str], db_path: Path, reason: str) -> None:
    ours = [line for line in lines if line.startswith("hamroh run:")]
    assert ours == [f"hamroh run: cannot open the database {db_path}: {reason}; fix it or set "
                    "HAMROH_DB_PATH"]  # fmt: skip
    assert not [line for line in lines if "Traceback" in line or '"ERROR"' in line]


def test_a_file_that_is_not_a_database(environment, monkeypatch, capsys, tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "hamroh.sqlite3"
    db_path.parent.mkdir()
    db_path.write_text("these are my notes, not a database\n")
    code, lines = run_and_read(monkeypatch, capsys, db_path)
    assert code == 2
    one_line_about_the_database(lines, db_path, "the file is not a SQLite database")
    assert db_path.read_text() == "these are my notes, not a database\n"  # left as it was


def test_a_damaged_database(environment, monkeypatch, capsys, tmp_path: Path) -> None:
    db_path = a_database(tmp_path / "data" / "hamroh.sqlite3")
    data = bytearray(db_path.read_bytes())
    data[100:160] = b"\xff" * 60  # the first page's b-tree header
    db_path.write_bytes(bytes(data))
    code, lines = run_and_read(monkeypatch, capsys, db_path)
    assert code == 2
    one_line_about_the_database(
        lines, db_path, "the file is damaged (database disk image is malformed); restore a backup"
    )


def test_a_read_only_folder(environment, monkeypatch, capsys, tmp_path: Path, immutable) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    make_immutable(immutable, folder)
    db_path = folder / "hamroh.sqlite3"
    code, lines = run_and_read(monkeypatch, capsys, db_path)
    assert code == 2
    one_line_about_the_database(lines, db_path, "the folder or the file is not writable")


def test_a_read_only_file(environment, monkeypatch, capsys, tmp_path: Path, immutable) -> None:
    db_path = a_database(tmp_path / "data" / "hamroh.sqlite3")
    make_immutable(immutable, db_path)
    code, lines = run_and_read(monkeypatch, capsys, db_path)
    assert code == 2
    one_line_about_the_database(lines, db_path, "the file or its folder is read-only")


def test_no_way_to_reach_telegram_is_one_line_and_nothing_else_about_it(tmp_path: Path) -> None:
    """The process's whole stderr: log lines of its start, and the one explanation."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")},
        "HAMROH_BOT_TOKEN": "123456789:AAFakeTokenForTheTest",
        "HAMROH_BOT_API_URL": NOWHERE,
        "HAMROH_RULES_DIR": str(ROOT / "rules"),
        "HAMROH_DB_PATH": str(tmp_path / "hamroh.sqlite3"),
        "HAMROH_HEARTBEAT_PATH": str(tmp_path / "heartbeat"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith(f"hamroh run: cannot reach the Telegram Bot API at {NOWHERE}")
    records = [json.loads(line) for line in lines[:-1]]  # not a terminal: JSON lines
    assert all(record["level"] == "INFO" for record in records), records
    assert not [r for r in records if r["logger"].startswith("telegram")]


def test_logs_are_text_on_a_terminal_and_json_elsewhere(tmp_path: Path) -> None:
    from bot.ops.logs import resolve_format

    class Terminal:
        def isatty(self) -> bool:
            return True

    with (tmp_path / "log").open("w") as file:
        assert resolve_format("auto", file) == "json"
    assert resolve_format("auto", Terminal()) == "text"
    assert resolve_format("json", Terminal()) == "json"
    assert resolve_format("text", None) == "text"


@pytest.mark.parametrize(
    ("command", "prefix"),
    [
        (["db", "retention"], "hamroh db retention: "),
        (["db", "backup", "COPY"], "backup failed: "),
        (["broadcast", "list"], "hamroh broadcast: "),
        (["broadcast", "new", "--text", "ru=Привет", "--yes"], "hamroh broadcast: "),
    ],
    ids=["retention", "backup", "broadcast-list", "broadcast-new"],
)
def test_the_operators_commands_say_in_one_line_that_a_file_is_not_a_database(
    environment, monkeypatch, capsys, tmp_path: Path, command: list[str], prefix: str
) -> None:
    """``hamroh run`` said it; ``db …`` and ``broadcast …`` ended in a traceback."""
    db_path = tmp_path / "data" / "hamroh.sqlite3"
    db_path.parent.mkdir()
    db_path.write_text("these are my notes, not a database\n")
    monkeypatch.setenv("HAMROH_DB_PATH", str(db_path))
    args = [str(tmp_path / "copy.sqlite3") if word == "COPY" else word for word in command]
    code = main(args)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code in (1, 2)
    assert lines == [
        f"{prefix}cannot open the database {db_path}: the file is not a SQLite database"
    ]
    assert db_path.read_text() == "these are my notes, not a database\n"
    assert not (tmp_path / "copy.sqlite3").exists()


@pytest.mark.parametrize("command", [["run"], ["web", "--port", "8097"]])
def test_a_locales_folder_without_catalogs_is_one_line_and_exit_2(
    environment, monkeypatch, capsys, tmp_path: Path, command: list[str]
) -> None:
    """Else the bot (and the web pages) would speak the English source texts to everyone."""
    empty = tmp_path / "locales"
    (empty / "ru" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.setenv("HAMROH_LOCALES_DIR", str(empty))
    monkeypatch.setenv("HAMROH_DB_PATH", str(tmp_path / "data" / "hamroh.sqlite3"))
    assert main(command) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == [
        f"hamroh {command[0]}: no interface catalog for ru, ky, tg, uz, uz_Cyrl in {empty} "
        "(expected <locale>/LC_MESSAGES/hamroh.po); set HAMROH_LOCALES_DIR"
    ]
    assert not (tmp_path / "data").exists()  # stopped before anything was made
