"""Benchmark 1: questionnaire throughput of the real bot vs a bare PTB handler.

Both applications get the same number of concurrent simulated people through the
same update queue, the same per-chat processor and the same in-process fake Bot
API with no latency, so the figure is CPU cost per update. Ours does the real work
(SQLite state read and written per update, rule evaluation, rendering in five
languages); the bare one only replies "ok". Target: ours / bare >= 0.5.

Every questionnaire is checked: the transcript must equal a sequential reference
run of the same persona and language, and the stored answers must match.

    python benchmarks/bench_1_questionnaire.py [--users 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _common
from _apps import run_bare, run_ours, shipped_ruleset

TARGET_RATIO = 0.5


async def main(users: int, rounds: int) -> None:
    started = time.perf_counter()
    _common.header(f"Benchmark 1: questionnaire throughput, {users} concurrent people")
    ruleset = shipped_ruleset()
    print(f"ruleset {ruleset.version}: {len(ruleset.questions)} questions, "
          f"{len(ruleset.outcomes)} outcomes")  # fmt: skip
    await run_ours(ruleset, 10, 1)  # warm-up: imports, caches, first compile of expressions
    await run_bare(10, 5, 1)
    ours_rates, bare_rates, same_rates = [], [], []
    all_correct = True
    for round_no in range(1, rounds + 1):
        updates, seconds, correct, per_user = await run_ours(ruleset, users, 100_000)
        ours_rate = updates / seconds
        bare_updates, bare_seconds = await run_bare(users, per_user, 100_000)
        bare_rate = bare_updates / bare_seconds
        same_updates, same_seconds = await run_bare(users, per_user, 100_000, same_calls=True)
        same_rates.append(same_updates / same_seconds)
        ours_rates.append(ours_rate)
        bare_rates.append(bare_rate)
        all_correct &= correct == users
        print(
            f"round {round_no}: ours {updates} updates in {seconds:.2f} s = {ours_rate:.0f} upd/s "
            f"({correct}/{users} questionnaires correct); bare {bare_updates} updates in "
            f"{bare_seconds:.2f} s = {bare_rate:.0f} upd/s; ratio {ours_rate / bare_rate:.2f}; "
            f"bare with the same Bot API calls {same_rates[-1]:.0f} upd/s  "
            f"[load {_common.loadavg()}]"
        )
    ratio = _common.median(ours_rates) / _common.median(bare_rates)
    print(f"median: ours {_common.median(ours_rates):.0f} upd/s, "
          f"bare {_common.median(bare_rates):.0f} upd/s, ratio {ratio:.2f} "
          f"(target >= {TARGET_RATIO}) -> {_common.verdict(ratio >= TARGET_RATIO)}")  # fmt: skip
    same = _common.median(same_rates)
    print(
        f"context: bare PTB making the same Bot API calls per update as ours (question with "
        f"keyboard; answer + edit + send for a button) {same:.0f} upd/s; "
        f"ours / that = {_common.median(ours_rates) / same:.2f}"
    )
    print(f"every questionnaire correct: {all_correct}")
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.rounds))
