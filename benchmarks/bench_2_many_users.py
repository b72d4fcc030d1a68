"""Benchmark 2: many people at once, with 50 ms of Bot API latency on every call.

1,000 simulated people start the questionnaire at the same moment and each goes to
the result, waiting for the bot's answer before the next step. Every Bot API call
(``sendMessage``, ``editMessageText``, ``answerCallbackQuery``) takes 50 ms at the
fake, as a round trip to Telegram does. Targets: >= 1,000 updates/s and every
questionnaire correct (its transcript equals the sequential reference run of the
same persona and language, and the stored answers match).

Baseline in the same run: the bare PTB application (one reply per update) with the
same people, the same number of updates each and the same latency.

    python benchmarks/bench_2_many_users.py [--users 1000] [--latency 0.05] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _common
from _apps import run_bare, run_ours, shipped_ruleset

TARGET_RATE = 1000.0


async def main(users: int, latency: float, rounds: int) -> None:
    started = time.perf_counter()
    _common.header(
        f"Benchmark 2: {users} people at once, {latency * 1000:.0f} ms Bot API latency per call"
    )
    ruleset = shipped_ruleset()
    await run_ours(ruleset, 10, 1)  # warm-up
    rates, all_correct = [], True
    for round_no in range(1, rounds + 1):
        cpu = time.process_time()
        updates, seconds, correct, per_user = await run_ours(
            ruleset, users, 1_000_000, latency=latency
        )
        cpu = time.process_time() - cpu
        bare_updates, bare_seconds = await run_bare(users, per_user, 1_000_000, latency=latency)
        rates.append(updates / seconds)
        all_correct &= correct == users
        print(
            f"round {round_no}: ours {updates} updates in {seconds:.1f} s = "
            f"{updates / seconds:.0f} upd/s, {correct}/{users} questionnaires correct "
            f"(process CPU {cpu:.1f} s incl. reference run); bare {bare_updates} updates in "
            f"{bare_seconds:.1f} s = {bare_updates / bare_seconds:.0f} upd/s  "
            f"[load {_common.loadavg()}]"
        )
    rate = _common.median(rates)
    ok = rate >= TARGET_RATE and all_correct
    print(
        f"median: {rate:.0f} upd/s (target >= {TARGET_RATE:.0f}), every questionnaire correct: "
        f"{all_correct} -> {_common.verdict(ok)}"
    )
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.latency, args.rounds))
