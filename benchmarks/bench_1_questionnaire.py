"""Benchmark 1: questionnaire throughput of the real bot vs a bare PTB handler.

Both applications get the same number of concurrent simulated people through the
same update queue, the same per-chat processor and the same in-process fake Bot
API with no latency, so the figure is CPU cost per update. Ours does the real work
(SQLite state read and written per update, rule evaluation, rendering in five
languages); the bare one only replies "ok". Target: ours / bare >= 0.5.

Also printed, the floor the Telegram traffic sets: a bare PTB bot making the Bot API
calls a step of ours makes now (a tap answered at the same time as the next question
is sent; the language step and the result as ours: ``_apps._our_calls``), sent as ours
sends them (no ``Message`` built from the answer) and through PTB's named methods; and
one making the calls a step of ours made before issue 15 (answer, edit, send, in turn).

Every questionnaire is checked: the transcript must equal a sequential reference
run of the same persona and language, and the stored answers must match.

    python benchmarks/bench_1_questionnaire.py [--users 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _common
from _apps import CPU_PER_UPDATE, run_bare, run_ours, shipped_ruleset

TARGET_RATIO = 0.5


async def main(users: int, rounds: int) -> None:
    started = time.perf_counter()
    _common.header(f"Benchmark 1: questionnaire throughput, {users} concurrent people")
    ruleset = shipped_ruleset()
    print(f"ruleset {ruleset.version}: {len(ruleset.questions)} questions, "
          f"{len(ruleset.outcomes)} outcomes")  # fmt: skip
    await run_ours(ruleset, 10, 1)  # warm-up: imports, caches, first compile of expressions
    await run_bare(10, 5, 1)
    ours_rates, bare_rates, same_rates, named_rates, old_rates = [], [], [], [], []
    cpu: dict[str, list[float]] = {"ours": [], "ok": [], "ours_raw": []}
    all_correct = True
    for round_no in range(1, rounds + 1):
        updates, seconds, correct, per_user = await run_ours(ruleset, users, 100_000)
        ours_rate = updates / seconds
        bare_updates, bare_seconds = await run_bare(users, per_user, 100_000)
        bare_rate = bare_updates / bare_seconds
        same_updates, same_seconds = await run_bare(users, per_user, 100_000, calls="ours_raw")
        same_rates.append(same_updates / same_seconds)
        named_updates, named_seconds = await run_bare(users, per_user, 100_000, calls="ours")
        named_rates.append(named_updates / named_seconds)
        old_updates, old_seconds = await run_bare(users, per_user, 100_000, calls="old")
        old_rates.append(old_updates / old_seconds)
        for kind, seconds_each in cpu.items():
            seconds_each.append(CPU_PER_UPDATE[kind] * 1000)
        ours_rates.append(ours_rate)
        bare_rates.append(bare_rate)
        all_correct &= correct == users
        print(
            f"round {round_no}: ours {updates} updates in {seconds:.2f} s = {ours_rate:.0f} upd/s "
            f"({correct}/{users} questionnaires correct); bare {bare_updates} updates in "
            f"{bare_seconds:.2f} s = {bare_rate:.0f} upd/s; ratio {ours_rate / bare_rate:.2f}; "
            f"bare making our Bot API calls {same_rates[-1]:.0f} upd/s "
            f"(ours / that {ours_rate / same_rates[-1]:.2f}), through PTB's named methods "
            f"{named_rates[-1]:.0f} upd/s, with the old calls "
            f"{old_rates[-1]:.0f} upd/s; CPU per update: ours {cpu['ours'][-1]:.3f} ms, bare "
            f"{cpu['ok'][-1]:.3f} ms, floor {cpu['ours_raw'][-1]:.3f} ms  "
            f"[load {_common.loadavg()}]"
        )
    ratio = _common.median(ours_rates) / _common.median(bare_rates)
    print(f"median: ours {_common.median(ours_rates):.0f} upd/s, "
          f"bare {_common.median(bare_rates):.0f} upd/s, ratio {ratio:.2f} "
          f"(target >= {TARGET_RATIO}) -> {_common.verdict(ratio >= TARGET_RATIO)}")  # fmt: skip
    same, old = _common.median(same_rates), _common.median(old_rates)
    print(
        f"floor: bare PTB making the Bot API calls a step of ours makes now (a question with "
        f"a keyboard; a tap answered beside the next question), sent as ours sends them, "
        f"{same:.0f} upd/s = {same / _common.median(bare_rates):.2f} of bare 'ok'; ours / that "
        f"= {_common.median(ours_rates) / same:.2f}; the same calls through PTB's named "
        f"methods {_common.median(named_rates):.0f} upd/s; with the calls before issue 15 "
        f"(answer, edit, send in turn) {old:.0f} upd/s"
    )
    ours_cpu, bare_cpu, floor_cpu = (_common.median(cpu[k]) for k in ("ours", "ok", "ours_raw"))
    print(
        f"CPU per update (process_time, medians): ours {ours_cpu:.3f} ms, bare 'ok' "
        f"{bare_cpu:.3f} ms, floor {floor_cpu:.3f} ms; bare / ours = {bare_cpu / ours_cpu:.2f}, "
        f"floor / ours = {floor_cpu / ours_cpu:.2f}, bare / floor = {bare_cpu / floor_cpu:.2f}"
    )
    print(f"every questionnaire correct: {all_correct}")
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.rounds))
