"""Re-evaluation over several processes gives exactly the one-process results, in order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.core.rules import evaluate, load_ruleset
from bot.core.rules.diff import compare
from bot.ops.reevaluate import judge_all, summarize

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2025, 3, 5)
CASES = [
    {"citizenship": "UZ", "in_russia": "yes", "in_registry": "no", "entry_date": "2025-01-10",
     "document": "patent", "patent_issue_date": "2025-01-31", "patent_paid_until": "2025-06-30",
     "registered": "yes", "purpose": "work", "region": "other"},
    {"citizenship": "KG", "in_russia": "yes", "in_registry": "no", "entry_date": "2024-11-15",
     "document": "eaeu_contract", "contract_end_date": "2025-12-31", "registered": "yes"},
    {"citizenship": "TJ", "in_russia": "yes", "in_registry": "unknown",
     "entry_date": "2024-10-01", "document": "none", "days_in_russia_this_year": 40},
    {"citizenship": "UZ", "in_russia": "no", "entry_ban": "unknown"},
]  # fmt: skip


def test_processes_agree_with_one_process_and_keep_order():
    ruleset = load_ruleset(ROOT / "rules")
    sets = CASES * 5
    expected = [summarize(answers, AS_OF, ruleset) for answers in sets]
    parallel = [s[0] for s in judge_all(sets, [ROOT / "rules"], AS_OF, processes=2, chunk=3)]
    serial = [s[0] for s in judge_all(sets, [ROOT / "rules"], AS_OF, processes=1)]
    assert parallel == serial == expected
    assert expected[0].status == evaluate(CASES[0], AS_OF, ruleset).status


def test_summaries_can_be_compared_like_assessments():
    ruleset = load_ruleset(ROOT / "rules")
    ((old, new),) = list(judge_all([CASES[0]], [ROOT / "rules"] * 2, AS_OF, processes=1))
    change = compare(old, new)  # type: ignore[arg-type]
    assert not change.any
    later = summarize(CASES[0], AS_OF + dt.timedelta(days=200), ruleset)
    assert compare(old, later).any  # type: ignore[arg-type]
