"""``hamroh broadcast``: preview, confirm, queue or schedule, list, show, cancel — from a shell."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

import bot.admin.cli as cli
from bot.cli import main
from bot.delivery import MessagePayload, Outbox
from bot.delivery.campaigns import CampaignStore
from bot.storage import Database

NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


async def _prepare(path: Path) -> None:
    db = await Database.open(path)
    for uid, locale, status in ((1, "ru", "legal"), (2, "ky", "irregular"), (3, "tg", "irregular")):
        await db.upsert_user(uid, uid, locale, NOW)
        await db.save_summary(uid, "UZ", status, "1.0.0", NOW)
    await db.close()


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with three users; the command's clock reads 5 March 2025, 12:00 MSK.

    The tests are synchronous: the command runs its own event loop, as from a shell.
    """
    monkeypatch.setattr(cli, "_now", lambda: NOW)
    path = tmp_path / "hamroh.db"
    asyncio.run(_prepare(path))
    return path


async def _queued_texts(path: Path) -> list[tuple[int, str]]:
    """Pending messages as (chat, text), read without claiming them."""
    db = await Database.open(path)
    try:
        async with (
            db.connection.read() as conn,
            conn.execute(
                "SELECT o.chat_id, COALESCE(o.payload, b.payload) FROM outbox AS o "
                "LEFT JOIN broadcasts AS b ON b.id = o.broadcast_id WHERE o.state = 'pending'"
            ) as cur,
        ):
            rows = await cur.fetchall()
        return sorted((chat, MessagePayload.from_json(raw).text) for chat, raw in rows)
    finally:
        await db.close()


def _outbox_texts(path: Path) -> list[tuple[int, str]]:
    return asyncio.run(_queued_texts(path))


async def _campaigns(path: Path) -> list:
    db = await Database.open(path)
    try:
        return await CampaignStore(Outbox(db)).recent()
    finally:
        await db.close()


def run(args: list[str]) -> int:
    return main(["broadcast", *args])


def test_new_queues_now_with_the_russian_fallback_and_filters(
    db_path: Path, tmp_path: Path, capsys
) -> None:
    ky = tmp_path / "ky.txt"
    ky.write_text("Жаңылык: <тест>\n", encoding="utf-8")
    code = run(
        [
            "--db",
            str(db_path),
            "new",
            "--text",
            "ru=Новость & привет",
            "--text",
            f"ky=@{ky}",
            "--status",
            "irregular",
            "--yes",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Audience: status: irregular" in out
    assert "No own text for tg, uz, uz_Cyrl: they get the Russian text." in out
    assert "Recipients now: 2 (ru 0, ky 1, tg 1, uz 0, uz_Cyrl 0)" in out
    assert "Broadcast #1 queued for 2 users" in out
    assert _outbox_texts(db_path) == [
        (2, "Жаңылык: &lt;тест&gt;"),
        (3, "Новость &amp; привет"),
    ]

    assert run(["--db", str(db_path), "list"]) == 0
    assert "#1 sending started 05.03.2025 12:00 MSK — status: irregular" in capsys.readouterr().out
    assert run(["--db", str(db_path), "show", "1"]) == 0
    assert "Broadcast #1: 0 of 2 done" in capsys.readouterr().out
    assert run(["--db", str(db_path), "cancel", "1"]) == 0
    assert "2 messages not yet sent were dropped" in capsys.readouterr().out
    assert run(["--db", str(db_path), "cancel", "1"]) == 1


def test_scheduled_broadcast_waits_for_the_bot(db_path: Path, capsys) -> None:
    assert (
        run(
            [
                "--db",
                str(db_path),
                "new",
                "--text",
                "ru=Завтра",
                "--at",
                "06.03.2025 10:00",
                "--yes",
            ]
        )
        == 0
    )
    assert "scheduled; the running bot sends it then" in capsys.readouterr().out
    assert _outbox_texts(db_path) == []
    [campaign] = asyncio.run(_campaigns(db_path))
    assert campaign.state == "scheduled"
    assert campaign.send_at == dt.datetime(2025, 3, 6, 7, 0, tzinfo=dt.UTC)


def test_a_night_time_gets_a_warning(db_path: Path, capsys) -> None:
    assert (
        run(
            ["--db", str(db_path), "new", "--text", "ru=Ночью", "--at", "06.03.2025 23:30", "--yes"]
        )
        == 0
    )
    assert "Note: 23:30 is night in Moscow" in capsys.readouterr().out


def test_declining_the_preview_sends_nothing(db_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert run(["--db", str(db_path), "new", "--text", "ru=Нет"]) == 1
    assert "Not sent." in capsys.readouterr().out
    assert _outbox_texts(db_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "ky=Салам"], "a Russian text is required"),
        (["--text", "xx=Hi"], "LOCALE=TEXT"),
        (["--text", "ru=<b>Hi", "--html"], "<b> is never closed"),
        (["--text", "ru=Hi", "--at", "31.02.2025 10:00"], "there is no such day"),
        (["--text", "ru=Hi", "--status", "happy"], "--status: use some of"),
        (["--text", "ru=Hi", "--deadline-within", "999"], "--deadline-within"),
        (["--text", "ru=@/nonexistent/file.txt"], "No such file"),
        (["--text", "ru=<b> </b>", "--html"], "no text to read between the tags"),
        (["--text", "ru=<i></i>", "--html"], "no text to read between the tags"),
        (["--text", "ru=<b/>Важно", "--html"], "Telegram does not allow <b/>"),
        (["--text", "ru=Первый", "--text", "ru=Второй"], "--text ru: given twice"),
    ],
)
def test_bad_input_is_refused_with_the_reason(db_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["--db", str(db_path), "new", *args, "--yes"])
    assert message in str(exited.value)
    assert _outbox_texts(db_path) == []


@pytest.mark.parametrize("command", ["show", "cancel"])
@pytest.mark.parametrize("number", ["99999999999999999999999", "²", "abc"])
def test_a_broadcast_number_that_cannot_be_one_is_refused_in_one_line(
    db_path: Path, command: str, number: str, capsys
) -> None:
    """A number longer than any row id reached SQLite and ended in a traceback."""
    with pytest.raises(SystemExit) as exited:
        run(["--db", str(db_path), command, number])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"{number!r} is not a broadcast number" in err
    assert "Traceback" not in err


def test_a_broadcast_number_is_read_as_list_prints_it(db_path: Path, capsys) -> None:
    assert run(["--db", str(db_path), "show", "#7"]) == 1
    assert "There is no broadcast #7." in capsys.readouterr().err


def test_a_text_file_that_is_not_utf8_is_refused_in_one_line(db_path: Path, tmp_path: Path) -> None:
    saved = tmp_path / "ru.txt"
    saved.write_bytes("Привет".encode("cp1251"))  # saved by an editor in Windows-1251
    with pytest.raises(SystemExit) as exited:
        run(["--db", str(db_path), "new", "--text", f"ru=@{saved}", "--yes"])
    assert str(exited.value).startswith(f"--text ru: {saved} is not UTF-8 text; save it as UTF-8")
    assert _outbox_texts(db_path) == []


@pytest.mark.parametrize("interrupt", [EOFError, KeyboardInterrupt])
def test_no_answer_to_the_question_sends_nothing_and_keeps_no_draft(
    db_path: Path, monkeypatch, capsys, interrupt: type[BaseException]
) -> None:
    """Run without a terminal (cron, a pipe) or stopped with Ctrl+D / Ctrl+C at the question."""

    def no_answer(prompt: str) -> str:
        raise interrupt

    monkeypatch.setattr("builtins.input", no_answer)
    assert run(["--db", str(db_path), "new", "--text", "ru=Нет"]) == 1
    captured = capsys.readouterr()
    assert "Not sent." in captured.out and "Traceback" not in captured.err
    assert _outbox_texts(db_path) == []
    assert [c.state for c in asyncio.run(_campaigns(db_path))] == ["cancelled"]


def test_the_length_limit_counts_what_people_read_not_the_tags(db_path: Path, tmp_path) -> None:
    link = '<a href="https://xn--b1aew.xn--p1ai/dejatelnost/emigration/patent">МВД</a>'
    fits = tmp_path / "fits.html"
    fits.write_text(link + " " + "я" * 4000 + " &amp; " + link, encoding="utf-8")
    assert run(["--db", str(db_path), "new", "--html", "--text", f"ru=@{fits}", "--yes"]) == 0
    too_long = tmp_path / "too_long.html"
    too_long.write_text("<b>" + "я" * 4097 + "</b>", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        run(["--db", str(db_path), "new", "--html", "--text", f"ru=@{too_long}", "--yes"])
    assert "longer than 4096 characters" in str(exited.value)
    assert len(_outbox_texts(db_path)) == 3


def test_ctrl_c_while_waiting_for_a_broadcast_ends_quietly(db_path: Path, monkeypatch, capsys):
    assert run(["--db", str(db_path), "new", "--text", "ru=Позже", "--at", "06.03.2025 10:00",
                "--yes"]) == 0  # fmt: skip

    async def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_pause", interrupted)
    capsys.readouterr()
    assert run(["--db", str(db_path), "show", "1", "--wait"]) == 130
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.strip() == ""
    assert captured.out.splitlines()[:1] == ["Broadcast #1 (scheduled)"]  # said what it waits for
    assert "When: 06.03.2025 10:00 MSK" in captured.out
    assert [c.state for c in asyncio.run(_campaigns(db_path))] == ["scheduled"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Новости для всех".encode("cp1251"), "is not UTF-8 text; save it as UTF-8"),
        ("Новости для всех".encode("utf-16"), "is not UTF-8 text; save it as UTF-8"),
        (b"x" * (64 * 1024 + 1), "is over 64 KB"),
    ],
    ids=["cp1251", "utf-16", "huge"],
)
def test_a_text_file_that_is_not_a_message_is_one_line(
    db_path: Path, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "news.txt"
    path.write_bytes(data)
    with pytest.raises(SystemExit) as exited:
        run(["--db", str(db_path), "new", "--text", f"ru=@{path}", "--yes"])
    assert str(exited.value).startswith(f"--text ru: {path} ")
    assert message in str(exited.value)
    assert _outbox_texts(db_path) == []


def test_a_text_file_saved_with_a_byte_order_mark_is_read_without_it(
    db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "news.txt"
    path.write_bytes("Новости".encode("utf-8-sig"))
    assert run(["--db", str(db_path), "new", "--text", f"ru=@{path}", "--lang", "ru", "--yes"]) == 0
    assert _outbox_texts(db_path) == [(1, "Новости")]


def test_a_listing_cut_short_by_its_reader_is_no_traceback(db_path: Path) -> None:
    """``hamroh broadcast list | head -1``: the reader closes the pipe after one line."""
    import os
    import subprocess
    import sys

    for n in range(30):
        assert run(["--db", str(db_path), "new", "--text", f"ru=Новость {n}", "--yes"]) == 0
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the command writes
    process = subprocess.run(
        [sys.executable, "-m", "bot.cli", "broadcast", "--db", str(db_path), "list"],
        stdout=write, stderr=subprocess.PIPE, timeout=60, check=False,
    )  # fmt: skip
    os.close(write)
    assert b"Traceback" not in process.stderr and b"BrokenPipe" not in process.stderr
    assert process.returncode == 1
