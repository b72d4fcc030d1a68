"""Benchmark 8: start-up — ``hamroh run`` to its first ``getUpdates``, and ``hamroh rules check``.

a) ``hamroh run`` is started as a child process against the fake Bot API over
   loopback HTTP (``HAMROH_BOT_API_URL``), with ``--latency`` on every call (a round
   trip to Telegram) and a fresh SQLite file. The figure is the time from starting
   the process to the fake receiving the bot's first ``getUpdates``. Target < 1 s.
   Baseline in the same run: a bare PTB bot (``Application.run_polling`` with one
   handler, nothing else) started the same way.
b) ``hamroh rules check`` on the shipped ruleset (validate and run every rule test),
   wall time of the child process. Target < 1 s. Baseline in the same run: the
   interpreter alone (``python -c pass``).

Each figure is the median of ``--rounds`` runs; every run is printed with the load.

    python benchmarks/bench_8_startup.py [--rounds 5] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import _common

from bot.testing import DEFAULT_TOKEN, FakeBotAPI
from bot.testing.fake_server import FakeBotAPIServer

ROOT = _common.ROOT
TARGET = 1.0
BARE_BOT = """
import sys
from telegram.ext import ApplicationBuilder, MessageHandler, filters
async def ok(update, context):
    await update.effective_message.reply_text("ok")
app = ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2]).build()
app.add_handler(MessageHandler(filters.ALL, ok))
app.run_polling()
"""


async def first_get_updates(command: list[str], env: dict[str, str], latency: float) -> float:
    """Seconds from starting ``command`` to the fake's first ``getUpdates``; then SIGTERM.

    A ``"{url}"`` word in ``command`` becomes the fake's base URL (the bare bot's
    argument; ``hamroh run`` reads ``HAMROH_BOT_API_URL``).
    """
    api = FakeBotAPI(latency=latency)
    async with FakeBotAPIServer(api) as server:
        env = {**env, "HAMROH_BOT_API_URL": server.base_url}
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *(server.base_url if word == "{url}" else word for word in command), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            for _ in range(60_000):
                polls = api.calls_to("getUpdates")
                if polls:
                    return polls[0].at - started
                if process.returncode is not None:
                    err = await process.stderr.read() if process.stderr else b""
                    raise RuntimeError(f"{command} ended: {err.decode()[-2000:]}")
                await asyncio.sleep(0.001)
            raise RuntimeError("no getUpdates within 60 s")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)


async def wall_time(command: list[str]) -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed: {err.decode()[-2000:]}")
    return time.perf_counter() - started


async def main(rounds: int, latency: float) -> None:
    started = time.perf_counter()
    _common.header("Benchmark 8: start-up")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")}
        env = {
            **base_env,
            "HAMROH_BOT_TOKEN": DEFAULT_TOKEN,
            "HAMROH_RULES_DIR": str(ROOT / "rules"),
            "HAMROH_HEARTBEAT_PATH": str(tmp / "heartbeat"),
        }
        ours_run, bare_run, ours_check, bare_python = [], [], [], []
        for round_no in range(1, rounds + 1):
            env["HAMROH_DB_PATH"] = str(tmp / f"round{round_no}.sqlite3")
            hamroh = [sys.executable, "-m", "bot.cli", "run"]
            ours_run.append(await first_get_updates(hamroh, env, latency))
            bare = [sys.executable, "-c", BARE_BOT, DEFAULT_TOKEN, "{url}"]
            bare_run.append(await first_get_updates(bare, base_env, latency))
            ours_check.append(await wall_time([sys.executable, "-m", "bot.cli", "rules", "check"]))
            bare_python.append(await wall_time([sys.executable, "-c", "pass"]))
            print(
                f"round {round_no}: hamroh run -> first getUpdates {ours_run[-1]:.2f} s "
                f"(bare PTB bot {bare_run[-1]:.2f} s); hamroh rules check {ours_check[-1]:.2f} s "
                f"(python -c pass {bare_python[-1]:.2f} s)  [load {_common.loadavg()}]"
            )
            sys.stdout.flush()
    run_s, check_s = _common.median(ours_run), _common.median(ours_check)
    print(
        f"median: hamroh run -> first getUpdates {run_s:.2f} s with {latency * 1000:.0f} ms per "
        f"call (target < {TARGET:.0f} s) -> {_common.verdict(run_s < TARGET)}; bare PTB bot "
        f"{_common.median(bare_run):.2f} s"
    )
    print(
        f"median: hamroh rules check {check_s:.2f} s (target < {TARGET:.0f} s) -> "
        f"{_common.verdict(check_s < TARGET)}; python -c pass {_common.median(bare_python):.2f} s"
    )
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.latency))
