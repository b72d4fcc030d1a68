"""Benchmark 3: the durable send queue (outbox + sender).

a) Pacing off: how fast the sender drains the SQLite outbox into the in-process
   fake Bot API (no latency, no limit), one message per chat. Pacing is switched
   off with a budget whose bulk burst never runs out and without its 1-second
   cap. Target >= 5,000 msg/s.
   Baseline in the same run: PTB's ``bot.send_message`` straight to the same fake
   with the same concurrency (32) and no database — the floor the queue adds to.

b) Pacing on: the sender at 30 msg/s against a fake that enforces Telegram's limit
   (a sliding 1-second window of 30 accepted messages; more answer 429 with
   ``retry_after``). Real clock. Targets: >= 97% of 30/s and no message lost to 429
   (every row ends ``sent``). Baseline in the same run: a naive loop that sends and
   sleeps 1/30 s.

    python benchmarks/bench_3_send_queue.py [--messages 20000] [--paced 600]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import tempfile
import time
from pathlib import Path

import _common
from telegram import Bot
from telegram.error import RetryAfter

from bot.delivery import MessagePayload, Outbox, OutboxItem, SendBudget, Sender
from bot.storage import Storage, open_storage
from bot.testing import FakeBotAPI

TARGET_UNPACED = 5000.0
TARGET_SHARE = 0.97
TEXT = "⏰ Напоминание: оплатите патент до 30.06.2025. Подробнее: /status"


async def _bot(api: FakeBotAPI) -> Bot:
    bot = Bot(api.token, request=api.request(read_timeout=None), get_updates_request=api.request())
    await bot.initialize()
    return bot


async def _fill(db: Storage, count: int, first_chat: int = 10_000) -> Outbox:
    outbox = Outbox(db)
    now = dt.datetime.now(dt.UTC)
    items = [OutboxItem(first_chat + i, MessagePayload(TEXT), "reminder") for i in range(count)]
    await outbox.enqueue_many(items, now=now)
    return outbox


async def _states(db: Storage) -> dict[str, int]:
    states: dict[str, int] = {}
    for (_kind, state), n in (await db.queue.counts()).items():
        states[state] = states.get(state, 0) + n
    return states


async def unpaced(
    count: int, tmp: Path, target: Path | str | None = None
) -> tuple[float, dict[str, int]]:
    """Pacing off; ``target`` is the database (default: a SQLite file in ``tmp``)."""
    api = FakeBotAPI()
    db = await open_storage(target or tmp / "unpaced.sqlite3")
    try:
        outbox = await _fill(db, count)
        bot = await _bot(api)
        # Neither the timeline nor the 1-second window ever holds a send back.
        budget = SendBudget(1000, bulk_burst=10**9, sliding_window=False)
        sender = Sender(outbox, bot, budget=budget, per_chat_interval=0, max_in_flight=32)
        started = time.perf_counter()
        await sender.run(until_idle=True)
        seconds = time.perf_counter() - started
        await bot.shutdown()
        assert api.messages_sent == count, api.messages_sent
        return count / seconds, await _states(db)
    finally:
        await db.close()


async def raw_ptb(count: int, concurrency: int = 32) -> float:
    api = FakeBotAPI()
    bot = await _bot(api)
    chats = iter(range(10_000, 10_000 + count))

    async def worker() -> None:
        for chat in chats:
            await bot.send_message(chat, TEXT)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    await bot.shutdown()
    return count / seconds


def _rate(api: FakeBotAPI) -> tuple[float, int]:
    """Accepted sends per second between the first and the last one, and the 429s."""
    sends = [c for c in api.calls_to("sendMessage") if c.status == 200]
    floods = sum(1 for c in api.calls_to("sendMessage") if c.status == 429)
    span = sends[-1].at - sends[0].at
    return (len(sends) - 1) / span if span > 0 else float("inf"), floods


async def paced(
    count: int, tmp: Path, target: Path | str | None = None
) -> tuple[float, int, dict[str, int]]:
    api = FakeBotAPI(rate_limit_per_second=30)
    db = await open_storage(target or tmp / "paced.sqlite3")
    try:
        outbox = await _fill(db, count)
        bot = await _bot(api)
        sender = Sender(outbox, bot, rate=30)
        await sender.run(until_idle=True)
        await bot.shutdown()
        rate, floods = _rate(api)
        return rate, floods, await _states(db)
    finally:
        await db.close()


async def naive_paced(count: int) -> tuple[float, int]:
    api = FakeBotAPI(rate_limit_per_second=30)
    bot = await _bot(api)
    for chat in range(10_000, 10_000 + count):
        with contextlib.suppress(RetryAfter):  # lost: the naive loop does not retry
            await bot.send_message(chat, TEXT)
        await asyncio.sleep(1 / 30)
    await bot.shutdown()
    return _rate(api)


async def main(messages: int, paced_messages: int, rounds: int) -> None:
    started = time.perf_counter()
    _common.header("Benchmark 3: send queue")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        await unpaced(500, tmp)  # warm-up
        (tmp / "unpaced.sqlite3").unlink()
        ours, floor = [], []
        for round_no in range(1, rounds + 1):
            for leftover in tmp.glob("unpaced.sqlite3*"):
                leftover.unlink()
            rate, states = await unpaced(messages, tmp)
            raw = await raw_ptb(messages)
            ours.append(rate)
            floor.append(raw)
            print(
                f"a) round {round_no}: outbox -> sender, pacing off: {messages} messages at "
                f"{rate:.0f} msg/s (rows {states}); baseline bot.send_message x32 without a "
                f"queue: {raw:.0f} msg/s; ratio {rate / raw:.2f}  [load {_common.loadavg()}]"
            )
        rate = _common.median(ours)
        print(
            f"a) median {rate:.0f} msg/s (target >= {TARGET_UNPACED:.0f}) "
            f"-> {_common.verdict(rate >= TARGET_UNPACED)}"
        )

        rate, floods, states = await paced(paced_messages, tmp)
        naive_rate, naive_floods = await naive_paced(paced_messages)
        lost = paced_messages - states.get("sent", 0)
        share = rate / 30
        print(
            f"b) paced at 30/s against a 30/s limit: {paced_messages} messages at {rate:.2f} msg/s "
            f"({share:.1%} of 30/s), {floods} answers 429, {lost} lost (rows {states}); "
            f"baseline naive send+sleep(1/30): {naive_rate:.2f} msg/s, {naive_floods} lost to "
            f"429  [load {_common.loadavg()}]"
        )
        ok = share >= TARGET_SHARE and lost == 0
        print(
            f"b) {share:.1%} of 30/s (target >= {TARGET_SHARE:.0%}), {lost} lost "
            f"-> {_common.verdict(ok)}"
        )
    _common.footer(started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--paced", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.paced, args.rounds))
