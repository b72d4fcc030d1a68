"""Reminder planning: the right local dates and hours, nothing in the past."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.reminders import plan_reminders, timezone_for
from bot.core.rules import evaluate
from bot.core.rules.engine import Assessment, DeadlineDate

from .conftest import PATENT_WORKER, d


def test_payment_reminders_at_ten_moscow_time(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    plan = [r for r in plan_reminders(assessment, now) if r.deadline_id == "patent_payment"]
    # Paid until 30 June: 7, 3, 1 days before and on the day; nothing after it.
    assert [(r.remind_at, r.kind, r.offset_days) for r in plan] == [
        (datetime(2025, 6, 23, 7, 0, tzinfo=UTC), "before", 7),  # 10:00 MSK = 07:00 UTC
        (datetime(2025, 6, 27, 7, 0, tzinfo=UTC), "before", 3),
        (datetime(2025, 6, 29, 7, 0, tzinfo=UTC), "before", 1),
        (datetime(2025, 6, 30, 7, 0, tzinfo=UTC), "due", 0),
    ]
    assert all(r.ruleset_version == ruleset.version for r in plan)


def test_reminders_already_past_are_not_planned(ruleset):
    assessment = evaluate(PATENT_WORKER, d("2025-06-28"), ruleset)
    now = datetime(2025, 6, 29, 8, 0, tzinfo=UTC)  # 11:00 in Moscow on 29 June
    plan = [r for r in plan_reminders(assessment, now) if r.deadline_id == "patent_payment"]
    assert [r.kind for r in plan] == ["due"]


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


def _crowded(deadlines):
    """An assessment with just these deadlines: (id, date, days before)."""
    return Assessment(
        status="action_needed",
        outcomes=(),
        deadlines=tuple(DeadlineDate(i, day, "x", tuple(days)) for i, day, days in deadlines),
        as_of=d("2025-06-01"),
        ruleset_version="1.0.0",
        ruleset_fingerprint="f",
        answers={},
        values={},
    )


def test_deadlines_on_one_day_never_share_a_reminder_day():
    """Leave-by and patent payment on 30 June (the issue's "reissue missed" case): the
    earlier-sorting deadline keeps its days, the other moves to free days before."""
    assessment = _crowded(
        [
            ("leave_russia", d("2025-06-30"), (7, 3, 1)),
            ("patent_payment", d("2025-06-30"), (7, 3, 1, 0)),
            ("medical_renewal", d("2025-07-02"), (3, 1, 0)),
        ]
    )
    plan = plan_reminders(assessment, datetime(2025, 6, 1, tzinfo=UTC))
    days = [r.remind_at.date() for r in plan]
    assert len(days) == len(set(days))
    assert all(r.remind_at.date() <= r.deadline_date for r in plan)
    assert all(r.offset_days == (r.deadline_date - r.remind_at.date()).days for r in plan)
    assert all((r.kind == "due") == (r.offset_days == 0) for r in plan)
    by_deadline = {}
    for r in plan:
        by_deadline.setdefault(r.deadline_id, []).append(r.offset_days)
    assert by_deadline["leave_russia"] == [7, 3, 1, 0]  # the day itself is always asked
    assert len(by_deadline["patent_payment"]) == 4 and 0 not in by_deadline["patent_payment"]
    assert by_deadline["medical_renewal"][-1] == 0


def test_every_shipped_persona_gets_one_reminder_a_day_at_most_and_none_late(shipped_ruleset):
    for located in shipped_ruleset.tests:
        case = located.case
        assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
        now = datetime(case.as_of.year, case.as_of.month, case.as_of.day, 6, tzinfo=UTC)
        plan = plan_reminders(assessment, now)
        days = [r.remind_at.astimezone(timezone_for(None)).date() for r in plan]
        assert len(days) == len(set(days)), case.name
        assert all(r.remind_at > now for r in plan), case.name
        assert all(r.remind_at.date() <= r.deadline_date for r in plan), case.name
        reminded = {r.deadline_id for r in plan}
        for deadline in assessment.deadlines:
            if deadline.remind_days_before and deadline.date > case.as_of:
                assert deadline.id in reminded, (case.name, deadline.id)
