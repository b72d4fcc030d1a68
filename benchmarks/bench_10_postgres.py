"""Benchmark 10: benchmarks 1, 2 and 3 on PostgreSQL beside SQLite, two instances beside one.

Same code, same simulated people, same fake Bot API as benchmarks 1-3, in one run:

1. questionnaire throughput (no Bot API latency: CPU and database cost per update)
   on SQLite, on PostgreSQL with one instance, and with two instances on one
   PostgreSQL database fed in turn (every update through the shared per-chat order);
2. many people at once with 50 ms Bot API latency, the same three set-ups;
3. the send queue: a) draining with pacing off, SQLite beside PostgreSQL (baseline:
   ``bot.send_message`` without a queue); b) paced at 30/s against a 30/s limit.

Every questionnaire is checked against a sequential reference run, as in 1 and 2.
PostgreSQL is a throwaway server started for the run (Debian's binaries, a Unix
socket in a temporary folder, durability off like the tests'), so the figures show
the cost of the client, the protocol and the coordination, not of a disk.

    python benchmarks/bench_10_postgres.py [--users 100] [--many 300] [--messages 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import _common
from _apps import run_ours, shipped_ruleset
from bench_3_send_queue import paced, raw_ptb, unpaced

from tests.postgres_server import PostgresServer, _bin_dir


async def questionnaires(
    server: PostgresServer, users: int, latency: float, rounds: int, first_id: int
) -> dict[str, list[float]]:
    ruleset = shipped_ruleset()
    setups: list[tuple[str, str | None, int]] = [
        ("SQLite", None, 1),
        ("PostgreSQL, 1 instance", "pg", 1),
        ("PostgreSQL, 2 instances", "pg", 2),
    ]
    rates: dict[str, list[float]] = {name: [] for name, _, _ in setups}
    for round_no in range(1, rounds + 1):
        for name, backend, instances in setups:
            url = server.new_database() if backend else None
            updates, seconds, correct, _ = await run_ours(
                ruleset, users, first_id, latency, database_url=url, instances=instances
            )
            rates[name].append(updates / seconds)
            print(
                f"  round {round_no}, {name}: {updates} updates in {seconds:.2f} s = "
                f"{updates / seconds:.0f} upd/s, {correct}/{users} questionnaires correct  "
                f"[load {_common.loadavg()}]"
            )
            assert correct == users, f"{name}: {users - correct} questionnaires wrong"
    return rates


async def main(users: int, many: int, messages: int, paced_messages: int, rounds: int) -> None:
    started = time.perf_counter()
    _common.header("Benchmark 10: PostgreSQL beside SQLite, two instances beside one")
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    server = PostgresServer(bin_dir, Path(tempfile.mkdtemp(prefix="hamroh-bench-pg-")))
    server.start()
    try:
        await run_ours(shipped_ruleset(), 10, 1)  # warm-up
        await run_ours(shipped_ruleset(), 10, 1, database_url=server.new_database())
        print(f"1) questionnaire throughput, {users} people at once, no API latency")
        one = await questionnaires(server, users, 0.0, rounds, 100_000)
        base = _common.median(one["SQLite"])
        for name, values in one.items():
            print(f"1) median {name}: {_common.median(values):.0f} upd/s "
                  f"({_common.median(values) / base:.2f} x SQLite)")  # fmt: skip

        print(f"2) {many} people at once, 50 ms Bot API latency per call")
        two = await questionnaires(server, many, 0.05, 1, 1_000_000)
        base = _common.median(two["SQLite"])
        for name, values in two.items():
            print(f"2) {name}: {_common.median(values):.0f} upd/s "
                  f"({_common.median(values) / base:.2f} x SQLite)")  # fmt: skip

        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            for round_no in range(1, rounds + 1):
                for leftover in tmp.glob("unpaced.sqlite3*"):
                    leftover.unlink()
                lite, lite_states = await unpaced(messages, tmp)
                pg, pg_states = await unpaced(messages, tmp, server.new_database())
                raw = await raw_ptb(messages)
                print(
                    f"3a) round {round_no}: pacing off, {messages} messages: SQLite {lite:.0f} "
                    f"msg/s ({lite_states}), PostgreSQL {pg:.0f} msg/s ({pg_states}); baseline "
                    f"bot.send_message x32 without a queue {raw:.0f} msg/s  "
                    f"[load {_common.loadavg()}]"
                )
            rate, floods, states = await paced(paced_messages, tmp, server.new_database())
            lost = paced_messages - states.get("sent", 0)
            print(
                f"3b) PostgreSQL, paced at 30/s against a 30/s limit: {paced_messages} messages "
                f"at {rate:.2f} msg/s ({rate / 30:.1%} of 30/s), {floods} answers 429, "
                f"{lost} lost  [load {_common.loadavg()}]"
            )
    finally:
        server.stop()
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--many", type=int, default=300)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--paced", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.many, args.messages, args.paced, args.rounds))
