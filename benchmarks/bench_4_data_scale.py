"""Benchmark 4: the bot on a database with 1,000,000 users and 5,000,000 reminders.

The data set is generated once with plain ``sqlite3`` (into ``--db``, reused by later
runs with the same sizes): users with a locale, a status and a last-seen time within
the retention period; five reminders each, 30% already sent (history) and 70%
scheduled between one day ago and a year ahead, so about 1% of the scheduled ones are
due at "now".

Figures:

* time to fetch the next 1,000 due reminders with ``Database.due_reminders`` (the
  reminder job's query), cold (first query after opening) and warm (median of 30);
  baseline in the same run: the same SQL through plain ``sqlite3``. Target < 20 ms.
* retention on a copy where 10% of the users are past the retention period: time,
  and the longest a concurrent read waited; baseline in the same run: the same purge
  as one transaction.
* the bot's memory: a child process builds the real application on this database
  (in-process fake Bot API), runs 100 questionnaires, fetches due reminders, computes
  /stats and runs retention, then reports its RSS (current and peak). Baseline in the
  same run: the same child on an empty database. Target RSS < 200 MB.

    python benchmarks/bench_4_data_scale.py [--users 1000000] [--reminders-per-user 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
from _sim import NOW

from bot.storage import Database
from bot.storage._reminders import DUE_REMINDERS_SQL
from bot.storage.timestamps import to_db

TARGET_MS = 20.0
TARGET_RSS_MB = 200.0
LOCALE_WEIGHTS = {"uz": 40, "tg": 25, "ky": 15, "ru": 15, "uz_Cyrl": 5}
STATUSES = ["legal", "action_needed", "irregular", "controlled", "entry_banned", "unclear"]
DEADLINES = ["patent_payment", "registration", "medical_renewal", "stay_limit", "contract_copy"]


def generate(path: Path, users: int, per_user: int) -> None:
    """Create the schema with the bot's migrations, then bulk-load users and reminders."""
    asyncio.run(_create_schema(path))
    rng = random.Random(20250305)
    locales = [loc for loc, weight in LOCALE_WEIGHTS.items() for _ in range(weight)]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    batch: list[tuple[object, ...]] = []
    for user_id in range(1, users + 1):
        seen = NOW - dt.timedelta(seconds=rng.randrange(170 * 86400))
        batch.append(
            (user_id, user_id, rng.choice(locales), to_db(seen - dt.timedelta(days=30)),
             to_db(seen), 1, 1 if rng.random() < 0.6 else 0, rng.choice(["UZ", "TJ", "KG"]),
             rng.choice(STATUSES), "1.0.0", to_db(seen))
        )  # fmt: skip
        if len(batch) == 50_000:
            conn.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
    conn.execute("COMMIT")
    print(f"  users inserted [{time.strftime('%X')}]", flush=True)
    conn.execute("BEGIN")
    batch = []
    created = to_db(NOW - dt.timedelta(days=40))
    horizon = 366 * 86400
    for user_id in range(1, users + 1):
        for n in range(per_user):
            deadline = DEADLINES[n % len(DEADLINES)]
            if rng.random() < 0.3:
                state = "sent"
                remind = NOW - dt.timedelta(seconds=rng.randrange(60 * 86400))
            else:
                state = "scheduled"
                remind = NOW + dt.timedelta(seconds=rng.randrange(horizon) - 86400)
            batch.append(
                (user_id, deadline, f"{deadline}_outcome", (remind + dt.timedelta(days=3)).date()
                 .isoformat(), to_db(remind), "before", n, state, "1.0.0", created)
            )  # fmt: skip
        if len(batch) >= 100_000:
            conn.executemany(_INSERT_REMINDER, batch)
            batch.clear()
    conn.executemany(_INSERT_REMINDER, batch)
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.close()


_INSERT_REMINDER = (
    "INSERT INTO reminders (user_id, deadline_id, outcome_id, deadline_date, remind_at, kind, "
    "offset_days, state, ruleset_version, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


async def _create_schema(path: Path) -> None:
    await (await Database.open(path)).close()


def ensure_dataset(path: Path, users: int, per_user: int) -> None:
    marker = path.with_suffix(".json")
    wanted = {"users": users, "per_user": per_user, "version": 1}
    if path.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"data set: reusing {path} ({path.stat().st_size / 2**20:.0f} MiB)")
        return
    for old in path.parent.glob(path.name + "*"):
        old.unlink()
    print(f"data set: generating {users:,} users and {users * per_user:,} reminders in {path}")
    started = time.perf_counter()
    generate(path, users, per_user)
    marker.write_text(json.dumps(wanted))
    print(
        f"data set: generated in {time.perf_counter() - started:.0f} s, "
        f"{path.stat().st_size / 2**20:.0f} MiB"
    )


async def due_fetch_times(path: Path) -> tuple[float, list[float], int]:
    """Cold and warm times (ms) of ``due_reminders(now, 1000)``, and the rows returned."""
    db = await Database.open(path)
    try:
        started = time.perf_counter()
        rows = await db.due_reminders(NOW, 1000)
        cold = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(30):
            started = time.perf_counter()
            await db.due_reminders(NOW, 1000)
            warm.append((time.perf_counter() - started) * 1000)
    finally:
        await db.close()
    return cold, warm, len(rows)


def raw_fetch_times(path: Path) -> tuple[list[float], list[str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + DUE_REMINDERS_SQL,
                                                 (to_db(NOW), 1000))]  # fmt: skip
        times = []
        for _ in range(30):
            started = time.perf_counter()
            conn.execute(DUE_REMINDERS_SQL, (to_db(NOW), 1000)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return times, plan


def child_memory(db_path: Path) -> dict[str, float]:
    """Run this script's ``--child`` mode on ``db_path``; returns its report."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(db_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


async def child(db_path: Path) -> None:
    """The bot on ``db_path``: questionnaires, due reminders, /stats, retention; print RSS."""
    from _apps import ours, shipped_ruleset
    from _sim import PERSONAS, SimUser

    from bot.i18n import LOCALES
    from bot.ops.retention import outbox_pruner, run_retention
    from bot.testing import FakeBotAPI

    ruleset = shipped_ruleset()
    api = FakeBotAPI()
    report: dict[str, float] = {}
    async with ours(api, ruleset, db_path) as (driver, db):
        report["rss_after_start_mb"] = _common.rss_mb()[0]
        people = [
            SimUser(driver, api, ruleset, 5_000_000 + i, LOCALES[i % 5],
                    PERSONAS[list(PERSONAS)[i % len(PERSONAS)]])
            for i in range(100)
        ]  # fmt: skip
        await asyncio.gather(*(person.run() for person in people))
        await db.due_reminders(NOW, 1000)
        started = time.perf_counter()
        stats = await db.stats()
        report["stats_s"] = time.perf_counter() - started
        report["users"] = stats.users_total
        started = time.perf_counter()
        await run_retention(db, NOW, inactive_days=180, prune_outbox=outbox_pruner(db))
        report["retention_s"] = time.perf_counter() - started
        report["updates"] = driver.updates
    rss, peak = _common.rss_mb()
    report.update(rss_mb=rss, peak_rss_mb=peak)
    print(json.dumps(report))


async def retention_stall(copy: Path, batch: int) -> tuple[int, float, float]:
    """Purge the 10% of users marked stale in ``copy`` while a handler-like task reads.

    Returns ``(users deleted, seconds, longest wait of one get_user)``: the longest
    wait is how long a user's update would have been held up.
    """
    from bot.ops.retention import outbox_pruner, run_retention

    db = await Database.open(copy)
    waits: list[float] = []

    async def reader() -> None:
        while True:
            started = time.perf_counter()
            await db.get_user(1)
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)

    task = asyncio.create_task(reader())
    try:
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        report = await run_retention(
            db, NOW, inactive_days=180, prune_outbox=outbox_pruner(db), batch=batch
        )
        seconds = time.perf_counter() - started
    finally:
        task.cancel()
        await db.close()
    return report.users_deleted, seconds, max(waits)


def retention_figures(db_path: Path) -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(dir=db_path.parent) as tmp:
        for label, batch in (("batches of 2,000 (shipped)", 2000), ("one transaction", 10**9)):
            copy = Path(tmp) / "copy.sqlite3"
            shutil.copyfile(db_path, copy)
            conn = sqlite3.connect(copy)
            with conn:
                stale = NOW - dt.timedelta(days=181)
                conn.executemany(  # spread over 100 days, as real last-seen times are
                    "UPDATE users SET last_seen_at = ? WHERE user_id = ?",
                    [(to_db(stale - dt.timedelta(minutes=user_id / 7)), user_id)
                     for user_id in range(10, 1_000_001, 10)],
                )  # fmt: skip
            conn.close()
            deleted, seconds, wait = asyncio.run(retention_stall(copy, batch))
            lines.append(
                f"retention, {label}: {deleted:,} stale users (10%) and their reminders deleted "
                f"in {seconds:.1f} s; longest wait of a concurrent read {wait * 1000:.0f} ms  "
                f"[load {_common.loadavg()}]"
            )
            for leftover in Path(tmp).glob("copy.sqlite3*"):
                leftover.unlink()
    return lines


def main(db_path: Path, users: int, per_user: int) -> None:
    started = time.perf_counter()
    _common.header(f"Benchmark 4: data scale, {users:,} users and {users * per_user:,} reminders")
    ensure_dataset(db_path, users, per_user)
    print(f"load after generating: {_common.loadavg()}")
    cold, warm, count = asyncio.run(due_fetch_times(db_path))
    raw, plan = raw_fetch_times(db_path)
    print(f"query plan: {' | '.join(plan)}")
    print(
        f"next 1,000 due reminders ({count} rows): Database.due_reminders cold {cold:.1f} ms "
        f"(first query after opening; depends on the OS page cache), "
        f"warm median {_common.median(warm):.1f} ms (max {max(warm):.1f}); baseline plain "
        f"sqlite3 median {_common.median(raw):.1f} ms (target < {TARGET_MS:.0f} ms) "
        f"-> {_common.verdict(_common.median(warm) < TARGET_MS)}  [load {_common.loadavg()}]"
    )
    with tempfile.TemporaryDirectory() as tmp:
        empty = child_memory(Path(tmp) / "empty.sqlite3")
    # The child adds 100 users and deletes none (everyone in the data set was seen
    # within 170 days); _cleanup removes its users so reruns measure the same data.
    big = child_memory(db_path)
    _cleanup(db_path)
    print(
        f"bot memory on the big database: RSS {big['rss_mb']:.0f} MiB, peak {big['peak_rss_mb']:.0f} "
        f"MiB (after start {big['rss_after_start_mb']:.0f} MiB); baseline on an empty database: "
        f"RSS {empty['rss_mb']:.0f} MiB, peak {empty['peak_rss_mb']:.0f} MiB "
        f"(target < {TARGET_RSS_MB:.0f} MB) -> {_common.verdict(big['peak_rss_mb'] < TARGET_RSS_MB)}"
    )
    print(
        f"  in that child: {big['updates']:.0f} updates, /stats over {big['users']:.0f} users "
        f"{big['stats_s']:.2f} s (separate read-only connection), retention pass "
        f"{big['retention_s']:.2f} s  [load {_common.loadavg()}]"
    )
    for line in retention_figures(db_path):
        print(line)
    _common.footer(started)


def _cleanup(db_path: Path) -> None:
    """Remove the child's questionnaire users so the data set stays the same for reruns."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("PRAGMA foreign_keys=ON")
        for table in ("outbox", "answers", "interviews", "reminders", "user_deadlines"):
            conn.execute(f"DELETE FROM {table} WHERE user_id >= 5000000")
        conn.execute("DELETE FROM users WHERE user_id >= 5000000")
    conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--reminders-per-user", type=int, default=5)
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "hamroh-bench-scale.sqlite3"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
    else:
        main(args.db, args.users, args.reminders_per_user)
