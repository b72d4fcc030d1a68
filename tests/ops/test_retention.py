"""Retention: inactive users disappear with everything about them; recent ones stay."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.cli import main
from bot.delivery import MessagePayload, Outbox, OutboxItem
from bot.ops.retention import RetentionJob, outbox_pruner, run_retention
from bot.storage import Database
from bot.testing import FakeClock
from tests.storage.test_privacy import _populate, _rows_mentioning

NOW = dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC)
OLD = 555_000_111  # last seen 200 days ago
RECENT = 555_000_222  # last seen 10 days ago
OLD_MARKER = "retention-old-marker"
RECENT_MARKER = "retention-recent-marker"


async def _two_users(db: Database) -> None:
    await _populate(db, OLD, NOW - dt.timedelta(days=200), OLD_MARKER)
    await _populate(db, RECENT, NOW - dt.timedelta(days=10), RECENT_MARKER)


async def test_retention_deletes_inactive_users_everywhere_and_keeps_recent(tmp_path: Path):
    db = await Database.open(tmp_path / "hamroh.db")
    try:
        await _two_users(db)
        assert await _rows_mentioning(db, OLD, OLD_MARKER)
        before = await _rows_mentioning(db, RECENT, RECENT_MARKER)

        report = await run_retention(
            db, NOW, inactive_days=180, outbox_keep_days=7, prune_outbox=outbox_pruner(db)
        )

        assert report.users_deleted == 1
        assert report.users_cutoff == NOW - dt.timedelta(days=180)
        assert await _rows_mentioning(db, OLD, OLD_MARKER) == {}
        assert await db.get_user(OLD) is None
        assert await _rows_mentioning(db, RECENT, RECENT_MARKER) == before
        assert (await db.load_interview(RECENT)).answers["patent_issue_date"] == RECENT_MARKER
        assert await db.reminders_for(RECENT)
    finally:
        await db.close()


async def test_retention_prunes_only_finished_old_outbox_rows(tmp_path: Path):
    db = await Database.open(tmp_path / "hamroh.db")
    outbox = Outbox(db)
    try:
        await db.upsert_user(7, 7, "ru", NOW)
        old, recent = NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=1)
        old_sent = await outbox.enqueue(OutboxItem(7, MessagePayload("a"), "notice", 7), now=old)
        old_pending = await outbox.enqueue(OutboxItem(7, MessagePayload("b"), "notice", 7), now=old)
        new_sent = await outbox.enqueue(OutboxItem(7, MessagePayload("c"), "notice", 7), now=recent)
        claimed = await outbox.claim(NOW, 10)
        assert {row.id for row in claimed} == {old_sent, old_pending, new_sent}
        await outbox.mark_sent_many([old_sent, new_sent], NOW)
        await outbox.release([old_pending])

        report = await run_retention(
            db, NOW, inactive_days=180, outbox_keep_days=7, prune_outbox=outbox_pruner(db)
        )

        assert report.users_deleted == 0
        assert report.outbox_rows_pruned == 1
        async with db.connection.read() as conn, conn.execute("SELECT id FROM outbox") as cur:
            left = {row[0] for row in await cur.fetchall()}
        assert left == {old_pending, new_sent}  # unsent mail is never pruned
    finally:
        await db.close()


async def test_retention_job_runs_in_the_background_with_the_injected_clock(tmp_path: Path):
    db = await Database.open(tmp_path / "hamroh.db")
    try:
        await _two_users(db)
        job = RetentionJob(
            lambda: db,
            FakeClock(NOW),
            inactive_days=180,
            every=dt.timedelta(hours=1),
            first_run_after=dt.timedelta(0),
        )
        job.start()
        for _ in range(500):
            if job.runs:
                break
            await asyncio.sleep(0.01)
        await job.stop()
        assert job.last_report is not None and job.last_report.users_deleted == 1
        assert await db.get_user(OLD) is None
        assert await db.get_user(RECENT) is not None
    finally:
        await db.close()


async def test_hamroh_db_retention_runs_it_once(hamroh_env, tmp_path: Path, capsys):
    path = tmp_path / "data" / "hamroh.sqlite3"
    now = dt.datetime.now(dt.UTC)
    db = await Database.open(path)
    await _populate(db, OLD, now - dt.timedelta(days=200), OLD_MARKER)
    await _populate(db, RECENT, now - dt.timedelta(days=10), RECENT_MARKER)
    await db.close()

    assert await asyncio.to_thread(main, ["db", "retention"]) == 0
    out = capsys.readouterr().out
    assert "deleted 1 users" in out and "(180 days)" in out

    db = await Database.open(path)
    try:
        assert await db.get_user(OLD) is None
        assert await db.get_user(RECENT) is not None
    finally:
        await db.close()


def test_hamroh_db_retention_refuses_a_missing_database(hamroh_env, tmp_path: Path, capsys):
    assert main(["db", "retention"]) == 1
    assert "no database" in capsys.readouterr().err
    assert not (tmp_path / "data" / "hamroh.sqlite3").exists()


async def test_large_purges_go_in_batches_oldest_first(tmp_path: Path):
    db = await Database.open(tmp_path / "hamroh.db")
    calls: list[dt.datetime] = []
    original = db.purge_inactive

    async def counting(older_than: dt.datetime) -> int:
        calls.append(older_than)
        return await original(older_than)

    db.purge_inactive = counting  # type: ignore[method-assign]
    try:
        for n in range(10):  # stale, each seen at a different time
            await db.upsert_user(100 + n, 100 + n, "ru", NOW - dt.timedelta(days=300 - n))
        for n in range(5):  # stale, all seen at the same moment
            await db.upsert_user(200 + n, 200 + n, "ru", NOW - dt.timedelta(days=250))
        for n in range(3):
            await db.upsert_user(300 + n, 300 + n, "ru", NOW - dt.timedelta(days=3))

        report = await run_retention(db, NOW, inactive_days=180, batch=3)

        assert report.users_deleted == 15
        assert len(calls) >= 5 and calls == sorted(calls)  # several small transactions
        assert calls[-1] == NOW - dt.timedelta(days=180)
        for n in range(3):
            assert await db.get_user(300 + n) is not None
        for user_id in [*range(100, 110), *range(200, 205)]:
            assert await db.get_user(user_id) is None
    finally:
        await db.close()
