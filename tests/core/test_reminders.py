"""Reminder planning: the right local dates and hours, nothing in the past."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.reminders import plan_reminders, timezone_for
from bot.core.rules import evaluate

from .conftest import PATENT_WORKER, d


def test_payment_reminders_at_ten_moscow_time(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    plan = [r for r in plan_reminders(assessment, now) if r.deadline_id == "patent_payment"]
    # Paid until 30 June: 7, 3, 1 days before, on the day, and a follow-up on 1 July.
    assert [(r.remind_at, r.kind, r.offset_days) for r in plan] == [
        (datetime(2025, 6, 23, 7, 0, tzinfo=UTC), "before", 7),  # 10:00 MSK = 07:00 UTC
        (datetime(2025, 6, 27, 7, 0, tzinfo=UTC), "before", 3),
        (datetime(2025, 6, 29, 7, 0, tzinfo=UTC), "before", 1),
        (datetime(2025, 6, 30, 7, 0, tzinfo=UTC), "due", 0),
        (datetime(2025, 7, 1, 7, 0, tzinfo=UTC), "followup", -1),
    ]
    assert all(r.ruleset_version == ruleset.version for r in plan)


def test_reminders_already_past_are_not_planned(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-28"), ruleset)
    now = datetime(2025, 6, 29, 8, 0, tzinfo=UTC)  # 11:00 in Moscow on 29 June
    plan = [r for r in plan_reminders(assessment, now) if r.deadline_id == "patent_payment"]
    assert [r.kind for r in plan] == ["due", "followup"]


def test_deadlines_without_offsets_get_no_reminders(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    plan = plan_reminders(assessment, datetime(2025, 6, 1, tzinfo=UTC))
    assert "patent_reissue" not in {r.deadline_id for r in plan}


def test_another_time_zone_keeps_the_local_hour(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    zone = ZoneInfo("Asia/Novosibirsk")  # UTC+7
    plan = plan_reminders(assessment, datetime(2025, 6, 1, tzinfo=UTC), zone)
    assert all(r.remind_at.astimezone(zone).hour == 10 for r in plan)


def test_every_region_we_ask_about_is_in_moscow_time():
    assert timezone_for("spb") == ZoneInfo("Europe/Moscow")
    assert timezone_for("other") == ZoneInfo("Europe/Moscow")
    assert timezone_for(None) == ZoneInfo("Europe/Moscow")


def test_naive_now_is_refused(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_reminders(assessment, datetime(2025, 6, 1))
