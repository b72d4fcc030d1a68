"""Graceful shutdown of the real process: SIGTERM while replies are in flight.

``hamroh run`` is started as a child process against the fake Bot API over
loopback HTTP, with 0.4 s of latency on every API call. Sixty updates from twenty
chats (three per chat, answered strictly in order) are fetched in one batch; on
SIGTERM the bot must stop polling (only the final offset-confirming ``getUpdates``
follows), answer every update it had already taken, leave updates it never took
with Telegram for the next start, remove its heartbeat and exit 0.

The send queue holds 300 notices when the bot starts; after the stop every row is
either ``sent`` (and was delivered exactly once) or back to ``pending`` for the next
start — none stuck in ``sending``, none failed because the stop cut a send short.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import sys
from pathlib import Path

from bot.delivery import MessagePayload, Outbox, OutboxItem
from bot.ops.heartbeat import check_health
from bot.storage import Database
from bot.testing import FakeBotAPI
from bot.testing.fake_server import FakeBotAPIServer
from tests.ops.child import ROOT, run_env, start_hamroh_run

CHATS = range(7001, 7021)
COMMANDS = ("/start", "/help", "/privacy")
QUEUED = range(8001, 8301)


async def _queue_notices(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        items = [OutboxItem(chat, MessagePayload(f"notice {chat}"), "notice") for chat in QUEUED]
        await Outbox(db).enqueue_many(items, now=dt.datetime.now(dt.UTC))
    finally:
        await db.close()


async def _queue_states(db_path: Path) -> dict[str, int]:
    db = await Database.open(db_path)
    try:
        async with (
            db.connection.read() as conn,
            conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state") as cur,
        ):
            return {str(state): int(n) for state, n in await cur.fetchall()}
    finally:
        await db.close()


async def _until(condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_sigterm_finishes_taken_updates_and_takes_no_new_ones(tmp_path: Path):
    api = FakeBotAPI()
    heartbeat = tmp_path / "heartbeat"
    db_path = tmp_path / "hamroh.sqlite3"
    await _queue_notices(db_path)
    async with FakeBotAPIServer(api) as server:
        env = run_env(server, db_path, HEARTBEAT_PATH=str(heartbeat), HEARTBEAT_INTERVAL="0.2")
        process = await start_hamroh_run(env)
        try:
            await _until(heartbeat.exists, 60)
            assert check_health(heartbeat, max_age=5).ok
            health = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "health", cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            assert await health.wait() == 0

            api.latency = 0.4
            for command in COMMANDS:
                for chat in CHATS:
                    api.push_update(api.text_update(chat, command, language_code="tg"))
            await _until(
                lambda: any(c.params.get("chat_id") in CHATS for c in api.calls_to("sendMessage"))
            )
            process.send_signal(signal.SIGTERM)

            def cleanup_polls() -> list:
                return [c for c in api.calls_to("getUpdates") if c.params.get("timeout") == 0]

            await _until(cleanup_polls)
            late = api.push_update(api.text_update(9999, "/start", language_code="tg"))
            _out, err = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert process.returncode == 0, err.decode()[-2000:]
    # Every update taken before SIGTERM was answered, in order within its chat.
    for chat in CHATS:
        replies = api.messages(chat)
        assert len(replies) == 3, (chat, len(replies))
        assert ("Тоҷикӣ", "L:tg") in [(t.lstrip("✓ "), d) for t, d in replies[0].buttons()]
        assert "180" not in replies[1].text and "180" in replies[2].text  # /help, /privacy
    # Replies were still being sent after polling had stopped: in-flight work finished.
    (cleanup,) = [c for c in api.calls_to("getUpdates") if c.params.get("timeout") == 0]
    assert any(call.at > cleanup.at for call in api.calls_to("sendMessage"))
    # No long poll after the stop, and the update that came later waits at Telegram.
    assert api.calls_to("getUpdates")[-1] is cleanup
    assert api.messages(9999) == []
    assert api.pending_updates == 1 and late > 0
    assert not heartbeat.exists()
    # The send queue: nothing lost, nothing stuck, nothing sent twice.
    states = await _queue_states(db_path)
    delivered = [chat for chat in QUEUED if api.messages(chat)]
    assert all(len(api.messages(chat)) == 1 for chat in delivered)
    assert states.get("sent", 0) == len(delivered) > 0
    assert states.get("sent", 0) + states.get("pending", 0) == len(QUEUED), states
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines)


async def test_a_token_telegram_rejects_is_one_line_and_exit_2(tmp_path: Path):
    api = FakeBotAPI()  # knows only DEFAULT_TOKEN: any other answers 401
    async with FakeBotAPIServer(api) as server:
        env = run_env(
            server,
            tmp_path / "hamroh.sqlite3",
            HEARTBEAT_PATH=str(tmp_path / "heartbeat"),
            BOT_TOKEN="123456789:AAWrongTokenCopiedBadly",
        )
        process = await start_hamroh_run(env)
        _out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert err.decode().strip().splitlines()[-1] == (
        "hamroh run: Telegram rejected HAMROH_BOT_TOKEN; copy it again from @BotFather"
    )


async def test_a_heartbeat_that_cannot_be_written_or_removed_does_not_stop_the_shutdown(
    tmp_path: Path,
):
    """HAMROH_HEARTBEAT_PATH names a folder (a volume mounted at the wrong place, say):
    the bot still serves, says in one line per beat that it cannot write the heartbeat,
    and SIGTERM still stops it cleanly — the send queue stopped, the database closed,
    exit 0 — instead of a traceback from removing the file and a process that hangs."""
    api = FakeBotAPI()
    heartbeat = tmp_path / "heartbeat"
    (heartbeat / "lost+found").mkdir(parents=True)
    db_path = tmp_path / "hamroh.sqlite3"
    await _queue_notices(db_path)
    async with FakeBotAPIServer(api) as server:
        env = run_env(
            server,
            db_path,
            HEARTBEAT_PATH=str(heartbeat),
            HEARTBEAT_INTERVAL="0.2",
            LOG_FORMAT="json",
        )
        process = await start_hamroh_run(env)
        try:
            api.push_update(api.text_update(7001, "/help", language_code="tg"))
            await _until(lambda: api.messages(7001), 60)
            await _until(lambda: any(api.messages(chat) for chat in QUEUED), 60)
            assert process.stderr is not None
            early = b""
            while b"heartbeat: cannot write" not in early:  # a beat that cannot be written
                early += await asyncio.wait_for(process.stderr.readline(), 60)
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), 60)
            err = early + err
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    text = err.decode()
    assert process.returncode == 0, text[-2000:]
    assert "Traceback" not in text
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    folder = "it is a folder; HAMROH_HEARTBEAT_PATH must name a file"
    beats = [r["msg"] for r in records if "heartbeat" in r["msg"]]
    assert beats[0] == f"heartbeat: cannot write {heartbeat}: {folder}"
    assert set(beats) == {
        f"heartbeat: cannot write {heartbeat}: {folder}",
        f"heartbeat: cannot remove {heartbeat}: {folder}",
    }
    assert heartbeat.is_dir() and (heartbeat / "lost+found").is_dir()
    states = await _queue_states(db_path)  # the queue was stopped, not abandoned mid-send
    assert "sending" not in states
    assert states.get("sent", 0) + states.get("pending", 0) == len(QUEUED), states


async def test_a_database_file_deleted_under_the_running_bot_is_said_and_health_fails(
    tmp_path: Path,
):
    """SQLite goes on writing to a deleted file; the operator must learn that what the bot
    writes now is lost at the stop, and ``hamroh health`` must stop saying healthy."""
    api = FakeBotAPI()
    heartbeat = tmp_path / "heartbeat"
    db_path = tmp_path / "data" / "hamroh.sqlite3"
    async with FakeBotAPIServer(api) as server:
        env = run_env(
            server,
            db_path,
            HEARTBEAT_PATH=str(heartbeat),
            HEARTBEAT_INTERVAL="0.2",
            LOG_FORMAT="json",
        )
        process = await start_hamroh_run(env)
        try:
            await _until(heartbeat.exists, 60)
            for suffix in ("", "-wal", "-shm"):
                db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
            assert process.stderr is not None
            said = b""
            while b"was deleted while the bot runs" not in said:
                said += await asyncio.wait_for(process.stderr.readline(), 60)
            beaten = heartbeat.stat().st_mtime  # the beat that said so wrote nothing
            await asyncio.sleep(0.6)  # three beats' time: none of them is written either
            assert heartbeat.stat().st_mtime == beaten
            process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    records = [json.loads(line) for line in (said + err).decode().splitlines() if line.strip()]
    errors = [r["msg"] for r in records if r["level"] == "ERROR"]
    assert errors == [
        f"the database file {db_path} was deleted while the bot runs; what it writes now is "
        "lost when it stops: stop it, put the file back (or restore a backup) and start it again"
    ]
    assert process.returncode == 0
