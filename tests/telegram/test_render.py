"""The result message shows every deadline's warning where the calendar is not official yet."""

from __future__ import annotations

from datetime import date

from bot.app.context import Context
from bot.app.interview import result_screen
from bot.core.rules import evaluate, load_ruleset, present
from bot.i18n import load_catalogs
from bot.telegram import render
from tests.conftest import RULES


def test_a_deadline_in_a_year_without_official_holidays_carries_a_warning():
    ruleset = load_ruleset(RULES)
    answers = {
        "citizenship": "UZ", "in_russia": "yes", "in_registry": "no", "entry_date": "2026-06-01",
        "purpose": "work", "region": "other", "document": "patent",
        "patent_issue_date": "2026-06-10", "patent_paid_until": "2027-01-09",
        "contract_copy_filed": "yes", "registered": "yes", "biometrics_done": "yes",
        "medical_date": "2026-06-05", "children": "no",
    }  # fmt: skip
    today = date(2026, 12, 20)
    shown = present(evaluate(answers, today, ruleset), ruleset, "tg")
    screen = result_screen(Context(ruleset, today, "tg", load_catalogs()), shown)
    text = "\n".join(render.plain_text(v.text) for v in render.draw(screen, "tok"))
    notes = [d.note for d in shown.deadlines if d.note]  # 2027 has no decree yet
    assert notes and all(note in text for note in notes)
