"""Benchmark 9: start-up — ``hamroh run`` to its first ``getUpdates``, and ``hamroh rules check``.

a) ``hamroh run`` is started as a child process against the fake Bot API over
   loopback HTTP (``HAMROH_BOT_API_URL``), with ``--latency`` on every call (a round
   trip to Telegram) and one SQLite file (created in round 1, as at a first start;
   a restart after that). The figure is the time from starting
   the process to the fake receiving the bot's first ``getUpdates``. Target < 1 s.
   Baseline in the same run: a bare PTB bot (``Application.run_polling`` with one
   handler, nothing else) started the same way.
b) ``hamroh rules check`` on the shipped ruleset (validate and run every rule test),
   wall time of the child process. Target < 1 s. Baseline in the same run: the
   interpreter alone (``python -c pass``).

Hamroh's code is byte-compiled first, as the README's setup line does (``python -m
compileall -q bot``). For information, ``hamroh run`` is also started with no bytecode
at all (``PYTHONPYCACHEPREFIX`` pointing at an empty folder, with
``PYTHONDONTWRITEBYTECODE`` set as on this machine: every module, the libraries' too,
compiled at start).

Both also print the CPU time the child used (``/proc/<pid>/stat``, ``getrusage``):
on a shared machine wall time is that plus waiting for a core.

Each figure is the median of ``--rounds`` runs; every run is printed with the load.

    python benchmarks/bench_9_startup.py [--rounds 5] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import subprocess
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def first_get_updates(
    command: list[str], env: dict[str, str], latency: float
) -> tuple[float, float]:
    """Seconds from starting ``command`` to the fake's first ``getUpdates`` and the CPU
    seconds it used until then; then SIGTERM.

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
                    return polls[0].at - started, cpu_seconds(process.pid)
                if process.returncode is not None:
                    err = await process.stderr.read() if process.stderr else b""
                    raise RuntimeError(f"{command} ended: {err.decode()[-2000:]}")
                await asyncio.sleep(0.001)
            raise RuntimeError("no getUpdates within 60 s")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)


async def wall_time(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of a child process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed: {err.decode()[-2000:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


async def main(rounds: int, latency: float) -> None:
    started = time.perf_counter()
    _common.header("Benchmark 9: start-up")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")}
        env = {
            **base_env,
            "HAMROH_BOT_TOKEN": DEFAULT_TOKEN,
            "HAMROH_RULES_DIR": str(ROOT / "rules"),
            "HAMROH_HEARTBEAT_PATH": str(tmp / "heartbeat"),
        }
        subprocess.run([sys.executable, "-m", "compileall", "-q", "bot"], cwd=ROOT, check=True)
        uncompiled = {
            **env,
            "PYTHONPYCACHEPREFIX": str(tmp / "no-bytecode"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        ours_run, bare_run, ours_check, bare_python, ours_uncompiled = [], [], [], [], []
        for round_no in range(1, rounds + 1):
            env["HAMROH_DB_PATH"] = str(tmp / "hamroh.sqlite3")  # round 1 creates it
            hamroh = [sys.executable, "-m", "bot.cli", "run"]
            ours_run.append(await first_get_updates(hamroh, env, latency))
            ours_uncompiled.append(await first_get_updates(hamroh, uncompiled, latency))
            bare = [sys.executable, "-c", BARE_BOT, DEFAULT_TOKEN, "{url}"]
            bare_run.append(await first_get_updates(bare, base_env, latency))
            ours_check.append(await wall_time([sys.executable, "-m", "bot.cli", "rules", "check"]))
            bare_python.append(await wall_time([sys.executable, "-c", "pass"]))
            print(
                f"round {round_no}: hamroh run -> first getUpdates {ours_run[-1][0]:.2f} s, "
                f"CPU {ours_run[-1][1]:.2f} s (no bytecode at all {ours_uncompiled[-1][0]:.2f} s; "
                f"bare PTB bot {bare_run[-1][0]:.2f} s, CPU "
                f"{bare_run[-1][1]:.2f} s); hamroh rules check {ours_check[-1][0]:.2f} s, CPU "
                f"{ours_check[-1][1]:.2f} s (python -c pass {bare_python[-1][0]:.2f} s)  "
                f"[load {_common.loadavg()}]"
            )
            sys.stdout.flush()

    def med(runs: list[tuple[float, float]], index: int) -> float:
        return _common.median(run[index] for run in runs)

    run_s, check_s = med(ours_run, 0), med(ours_check, 0)
    print(
        f"median: hamroh run -> first getUpdates {run_s:.2f} s, CPU {med(ours_run, 1):.2f} s, "
        f"with {latency * 1000:.0f} ms per call (target < {TARGET:.0f} s) -> "
        f"{_common.verdict(run_s < TARGET)}; bare PTB bot {med(bare_run, 0):.2f} s, CPU "
        f"{med(bare_run, 1):.2f} s"
    )
    print(
        f"median: hamroh run with no bytecode at all {med(ours_uncompiled, 0):.2f} s, CPU "
        f"{med(ours_uncompiled, 1):.2f} s (every module, the libraries' too, compiled at "
        "start; for information)"
    )
    print(
        f"median: hamroh rules check {check_s:.2f} s, CPU {med(ours_check, 1):.2f} s (target < "
        f"{TARGET:.0f} s) -> {_common.verdict(check_s < TARGET)}; python -c pass "
        f"{med(bare_python, 0):.2f} s"
    )
    print(
        "CPU time is what the process itself used: on a machine shared by other work, "
        "wall time is CPU time plus waiting for a core."
    )
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.latency))
