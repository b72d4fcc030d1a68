"""Benchmark 8: Telegram under pressure — replies not held back, an unknown limit learnt.

a) Many people at once, no limit in the fake Bot API (each call takes ``--latency``,
   a round trip to Telegram): 30 and then 300 simulated people start the
   questionnaire together and go to the result, each waiting for the bot before the
   next step. Figures: steps (updates) per second and the median time from a step
   sent to its handling done. Baseline in the same run: a bare PTB bot (same update
   processor, same fake, same latency) whose one handler replies "ok", the same
   people with the same number of steps. Targets: steps/s >= half the bare bot's;
   p50 step latency <= twice the bare bot's. Also printed, the floor the Telegram
   traffic sets: a bare bot making the calls a step of ours makes now (a tap answered
   at the same time as the next question is sent; the language step and the result
   as ours: ``_apps._our_calls``; sent as ours sends them, no ``Message`` built from
   the answer), and one making the calls a step of ours made before issue 15 (a tap:
   answer, edit, send the next, in turn).

b) A limit the bot is not told: the fake accepts at most ``L`` sendMessage calls in
   any sliding second (30, then 60) and answers 429 "retry after n" beyond; the
   sender is set to 100 msg/s and has to find ``L`` from the 429s. Real clock, a
   broadcast of ``L * --seconds`` messages from a real SQLite outbox. Targets:
   >= 95 % of ``L`` reached, nothing lost (every row ``sent``, every chat once),
   and after the first minute no more than one 429 a minute. Baseline in the same
   run, on its own fake with the same limit, after ours: a bare PTB bot sending
   30 s worth of messages with 32 workers as fast as it can, sleeping
   ``retry_after`` on a 429.

    python benchmarks/bench_8_pressure.py [--latency 0.05] [--seconds 100] [--limits 30 60]
        [--skip-a|--skip-b]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common
from _apps import Calls, assignment, bare, bare_update, ours, shipped_ruleset
from _sim import PERSONAS, Driver, SimUser
from telegram import Bot
from telegram.error import RetryAfter

from bot.core.rules import Ruleset
from bot.delivery import MessagePayload, Outbox, OutboxItem, SendBudget, Sender
from bot.delivery.clock import SYSTEM_CLOCK
from bot.delivery.ptb_limiter import retry_after_seconds
from bot.storage import Database
from bot.telegram.services import services_of
from bot.testing import FakeBotAPI

TEXT = "📢 Новости: с 1 сентября приём документов в МВД по записи. Подробнее: /status"
SET_RATE = 100.0
CPU_PER_STEP: dict[str, float] = {}
"""The process's CPU seconds per step of the last run of ours and of each bare bot."""
BARE_SECONDS = 30.0
"""The bare baseline's steady state shows in half a minute; it runs after ours, alone."""


class TimedDriver(Driver):
    """A :class:`Driver` that keeps the time each update took, from queue to handled."""

    def __init__(self, application: Any) -> None:
        super().__init__(application)
        self.latencies: list[float] = []

    async def feed(self, data: dict[str, Any]) -> None:
        started = time.perf_counter()
        await super().feed(data)
        self.latencies.append(time.perf_counter() - started)


def _timed(driver: Driver) -> TimedDriver:
    """Swap the class so the handler registered by ``Driver.__init__`` stays the same."""
    driver.__class__ = TimedDriver
    driver.latencies = []  # type: ignore[attr-defined]
    return driver  # type: ignore[return-value]


async def ours_at_once(
    ruleset: Ruleset, users: int, latency: float, first_id: int
) -> tuple[int, float, float, int]:
    """``(steps, seconds, p50 latency, steps per person)`` for the real bot."""
    api = FakeBotAPI(latency=latency)
    with tempfile.TemporaryDirectory() as tmp:
        async with ours(api, ruleset, Path(tmp) / "bench.sqlite3") as (driver, _db):
            # The app runs on a fixed "today" (the personas' dates fit it), but its send
            # budget must wait in real time, as it does in production.
            services_of(driver.application).budget.clock = SYSTEM_CLOCK
            timed = _timed(driver)
            people = []
            for i in range(users):
                persona, locale = assignment(i)
                people.append(SimUser(timed, api, ruleset, first_id + i, locale, PERSONAS[persona]))
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(person.run() for person in people))
            seconds = time.perf_counter() - started
            steps = len(timed.latencies)
            CPU_PER_STEP["ours"] = (time.process_time() - cpu) / steps
            return steps, seconds, statistics.median(timed.latencies), round(steps / users)


async def bare_at_once(
    users: int, per_user: int, latency: float, first_id: int, calls: Calls = "ok"
) -> tuple[int, float, float]:
    """``(steps, seconds, p50 latency)`` for the bare PTB bot, same people and steps."""
    api = FakeBotAPI(latency=latency)
    async with bare(api, calls) as driver:
        timed = _timed(driver)

        async def person(user_id: int) -> None:
            for n in range(per_user):
                await timed.feed(bare_update(api, calls, user_id, n, per_user))

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(person(first_id + i) for i in range(users)))
        seconds = time.perf_counter() - started
        CPU_PER_STEP[calls] = (time.process_time() - cpu) / len(timed.latencies)
    return len(timed.latencies), seconds, statistics.median(timed.latencies)


async def part_a(latency: float) -> bool:
    ruleset = shipped_ruleset()
    # warm-up: imports, caches, compiled expressions, every locale (4 personas x 5 locales)
    await ours_at_once(ruleset, 20, 0.0, 1)
    await bare_at_once(5, 5, 0.0, 1)
    all_ok = True
    for users in (30, 300):
        steps, seconds, p50, per_user = await ours_at_once(ruleset, users, latency, 100_000)
        b_steps, b_seconds, b_p50 = await bare_at_once(users, per_user, latency, 100_000)
        s_steps, s_seconds, s_p50 = await bare_at_once(
            users, per_user, latency, 100_000, calls="ours_raw"
        )
        o_steps, o_seconds, o_p50 = await bare_at_once(
            users, per_user, latency, 100_000, calls="old"
        )
        rate, b_rate = steps / seconds, b_steps / b_seconds
        s_rate, o_rate = s_steps / s_seconds, o_steps / o_seconds
        ok = rate >= 0.5 * b_rate and p50 <= 2 * b_p50
        all_ok &= ok
        print(
            f"a) {users} people, {latency * 1000:.0f} ms per call: ours {rate:.0f} steps/s, "
            f"p50 {p50 * 1000:.0f} ms; bare ('ok') {b_rate:.0f} steps/s, p50 {b_p50 * 1000:.0f} ms; "
            f"ratio {rate / b_rate:.2f} (>= 0.5), latency x{p50 / b_p50:.2f} (<= 2) -> "
            f"{_common.verdict(ok)}; floor: bare making our Bot API calls {s_rate:.0f} steps/s, "
            f"p50 {s_p50 * 1000:.0f} ms (= {s_rate / b_rate:.2f} of bare 'ok', "
            f"x{s_p50 / b_p50:.2f}; ours / that {rate / s_rate:.2f}, x{p50 / s_p50:.2f}); "
            f"bare with the old calls {o_rate:.0f} steps/s, p50 {o_p50 * 1000:.0f} ms; CPU per "
            f"step: ours {CPU_PER_STEP['ours'] * 1000:.2f} ms, bare "
            f"{CPU_PER_STEP['ok'] * 1000:.2f} ms, floor {CPU_PER_STEP['ours_raw'] * 1000:.2f} ms  "
            f"[load {_common.loadavg()}]"
        )
        sys.stdout.flush()
    return all_ok


async def _bot(api: FakeBotAPI) -> Bot:
    bot = Bot(api.token, request=api.request(read_timeout=None), get_updates_request=api.request())
    await bot.initialize()
    return bot


def _figures(api: FakeBotAPI, began: float) -> tuple[float, int, list[int], int]:
    """``(accepted/s over the run, delivered chats, 429s per started minute, duplicates)``."""
    calls = api.calls_to("sendMessage")
    accepted = [c for c in calls if c.status == 200]
    span = max(c.at for c in accepted) - began
    per_minute = collections.Counter(int((c.at - began) // 60) for c in calls if c.status == 429)
    minutes = [per_minute.get(m, 0) for m in range(int(span // 60) + 1)]
    chats = collections.Counter(c.params["chat_id"] for c in accepted)
    return len(accepted) / span, len(chats), minutes, sum(n - 1 for n in chats.values())


async def ours_unknown_limit(limit: int, count: int, tmp: Path) -> dict[str, Any]:
    api = FakeBotAPI(rate_limit_per_second=limit)
    db = await Database.open(tmp / f"limit{limit}.sqlite3")
    try:
        outbox = Outbox(db)
        now = dt.datetime.now(dt.UTC)
        items = [OutboxItem(10_000 + i, MessagePayload(TEXT), "broadcast") for i in range(count)]
        await outbox.enqueue_many(items, now=now)
        bot = await _bot(api)
        budget = SendBudget(SET_RATE)
        sender = Sender(outbox, bot, budget=budget)
        began = time.monotonic()
        await sender.run(until_idle=True)
        await bot.shutdown()
        rate, chats, minutes, duplicates = _figures(api, began)
        async with (
            db.connection.read() as conn,
            conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state") as cur,
        ):
            states = {str(s): int(n) for s, n in await cur.fetchall()}
        return {
            "rate": rate,
            "chats": chats,
            "minutes": minutes,
            "duplicates": duplicates,
            "states": states,
            "ceiling": budget.ceiling,
            "bulk_rate": budget.bulk_rate,
        }
    finally:
        await db.close()


async def bare_unknown_limit(limit: int, count: int) -> dict[str, Any]:
    api = FakeBotAPI(rate_limit_per_second=limit)
    bot = await _bot(api)
    chats = iter(range(10_000, 10_000 + count))

    async def worker() -> None:
        for chat in chats:
            while True:
                try:
                    await bot.send_message(chat, TEXT)
                    break
                except RetryAfter as exc:
                    await asyncio.sleep(retry_after_seconds(exc))

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(32)))
    await bot.shutdown()
    rate, delivered, minutes, duplicates = _figures(api, began)
    lost = count - delivered
    return {"rate": rate, "lost": lost, "minutes": minutes, "duplicates": duplicates}


async def part_b(seconds: float, limits: list[int]) -> bool:
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp_name:
        for limit in limits:
            count = int(limit * seconds)
            mine = await ours_unknown_limit(limit, count, Path(tmp_name))
            theirs = await bare_unknown_limit(limit, int(limit * BARE_SECONDS))
            lost = count - mine["states"].get("sent", 0)
            later = max(mine["minutes"][1:], default=0)
            share = mine["rate"] / limit
            ok = share >= 0.95 and lost == 0 and mine["chats"] == count and later <= 1
            all_ok &= ok
            print(
                f"b) limit {limit}/s not told (set rate {SET_RATE:.0f}/s), {count} messages: ours "
                f"{mine['rate']:.2f} msg/s = {share:.1%} of the limit, 429s per minute "
                f"{mine['minutes']}, {lost} lost, {mine['duplicates']} duplicates, rows "
                f"{mine['states']}, learnt ceiling {mine['ceiling']}, pace at the end "
                f"{mine['bulk_rate']:.1f}/s -> {_common.verdict(ok)}; bare PTB x32 sleeping "
                f"retry_after: {theirs['rate']:.2f} msg/s = {theirs['rate'] / limit:.1%}, 429s "
                f"per minute {theirs['minutes']}, {theirs['lost']} lost  "
                f"[load {_common.loadavg()}]"
            )
            sys.stdout.flush()
    return all_ok


async def main(
    latency: float, seconds: float, limits: list[int], skip_a: bool, skip_b: bool
) -> None:
    started = time.perf_counter()
    _common.header("Benchmark 8: Telegram under pressure")
    verdicts = []
    if not skip_a:
        verdicts.append(await part_a(latency))
    if not skip_b:
        verdicts.append(await part_b(seconds, limits))
    print(f"all targets: {_common.verdict(all(verdicts))}")
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seconds", type=float, default=100.0)
    parser.add_argument("--limits", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.latency, args.seconds, args.limits, args.skip_a, args.skip_b))
