"""/forget and retention: nothing about a deleted user may remain, in any table or on disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.delivery import MessagePayload, Outbox, OutboxItem
from bot.storage import Database, NewReminder

GONE = 987_654_321  # distinctive ids, so a match cannot be a coincidence
STAYS = 123_123_123
MARKER = "patent-2025-03-05-gone-marker"


async def _populate(db: Database, user_id: int, now: dt.datetime, marker: str) -> None:
    await db.upsert_user(user_id, user_id, "tg", now)
    await db.save_summary(
        user_id, "TJ", "action_needed", "2025.1", now, deadlines=[("patent_payment", now.date())]
    )
    await db.save_interview(
        user_id,
        {"citizenship": "TJ", "patent_issue_date": marker},
        "patent_paid_until",
        ["citizenship", "patent_issue_date"],
        now,
    )
    await db.replace_reminders(
        user_id,
        [NewReminder("patent_payment", "patent_ok", dt.date(2025, 4, 1), now, "before", 3, "v1")],
        now,
    )
    outbox = Outbox(db)
    payload = MessagePayload(f"Reminder {marker}")
    await outbox.enqueue(OutboxItem(user_id, payload, "notice", user_id), now=now)
    await outbox.enqueue(OutboxItem(user_id, payload, "notice"), now=now)  # chat only
    await outbox.create_broadcast(MessagePayload("news"), [(user_id, user_id)], now=now)
    due = await db.due_reminders(now, 10)
    await outbox.enqueue_reminders(
        [
            (r.id, OutboxItem(r.chat_id, payload, "reminder", r.user_id))
            for r in due
            if r.user_id == user_id
        ],
        now=now,
    )


async def _rows_mentioning(db: Database, user_id: int, marker: str) -> dict[str, int]:
    """Every table in sqlite_master, every column: rows equal to or containing the id/marker."""
    found: dict[str, int] = {}
    async with db.connection.read() as conn:
        async with conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ) as cur:
            tables = [row[0] for row in await cur.fetchall()]
        assert {
            "users", "answers", "interviews", "reminders", "outbox", "broadcasts", "user_deadlines",
        } <= set(tables)  # fmt: skip
        for table in tables:
            async with conn.execute(f'PRAGMA table_info("{table}")') as cur:
                columns = [row[1] for row in await cur.fetchall()]
            condition = " OR ".join(
                f'"{c}" = :uid OR CAST("{c}" AS TEXT) LIKE :uid_text OR CAST("{c}" AS TEXT) LIKE :marker'
                for c in columns
            )
            async with conn.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE {condition}',
                {"uid": user_id, "uid_text": f"%{user_id}%", "marker": f"%{marker}%"},
            ) as cur:
                count = (await cur.fetchone())[0]
            if count:
                found[table] = count
    return found


async def test_delete_user_removes_every_row_everywhere(tmp_path: Path) -> None:
    now = dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC)
    path = tmp_path / "hamroh.db"
    db = await Database.open(path)
    await _populate(db, GONE, now, MARKER)
    await _populate(db, STAYS, now, "other-user-marker")
    before = await _rows_mentioning(db, GONE, MARKER)
    assert {"users", "answers", "interviews", "reminders", "outbox"} <= set(before)

    assert await db.delete_user(GONE)
    assert await _rows_mentioning(db, GONE, MARKER) == {}
    assert set(await _rows_mentioning(db, STAYS, "other-user-marker")) >= {"users", "outbox"}
    assert await db.get_user(GONE) is None
    assert not await db.delete_user(GONE)  # idempotent
    await db.close()

    # secure_delete + checkpoint: the answer text is gone from the files, not just the index.
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("hamroh.db*"))
    assert MARKER.encode() not in on_disk
    assert b"other-user-marker" in on_disk


async def test_purge_inactive_deletes_old_users_with_everything(db: Database) -> None:
    old = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    recent = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    await _populate(db, GONE, old, MARKER)
    await _populate(db, STAYS, old, "other-user-marker")
    await db.seen(STAYS, recent)
    assert await db.purge_inactive(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) == 1
    assert await _rows_mentioning(db, GONE, MARKER) == {}
    assert await db.get_user(STAYS) is not None
    assert (await db.load_interview(STAYS)).answers
    assert await db.purge_inactive(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) == 0


async def test_stats_count_without_ids(db: Database) -> None:
    now = dt.datetime(2025, 3, 5, tzinfo=dt.UTC)
    await _populate(db, 1, now, "a")
    await db.upsert_user(2, 2, "ky", now)
    await db.set_active(2, False)
    stats = await db.stats()
    assert (stats.users_total, stats.users_active) == (2, 1)
    assert stats.by_locale == {"tg": 1, "ky": 1}
    assert stats.by_citizenship == {"TJ": 1, "none": 1}
    assert stats.by_status == {"action_needed": 1, "none": 1}
    assert stats.reminders_by_state == {"queued": 1}
    assert stats.outbox_by_kind_state[("notice", "pending")] == 2
