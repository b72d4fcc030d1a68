"""Content follows the person: steps for some people only (`step_if` on an outcome) and
options for some citizens only (`only_if` on an option), checked when the rules load."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.core.rules import check_ruleset, evaluate, present

from .conftest import ROOT
from .test_loader_errors import assert_reported, break_file


def _steps(ruleset, name: str, outcome_id: str, locale: str = "ru") -> tuple[str, ...]:
    case = next(t.case for t in ruleset.tests if t.case.name.startswith(name))
    shown = present(evaluate(case.answers, case.as_of, ruleset), ruleset, locale)
    return shown.outcome(outcome_id).steps


def _written(ruleset, outcome_id: str, number: int, locale: str = "ru") -> str:
    outcome = next(o for o in ruleset.outcomes if o.id == outcome_id)
    return outcome.steps.get(locale)[number - 1]


def test_the_belarus_exemption_is_not_told_to_others(shipped_ruleset):
    exemption = _written(shipped_ruleset, "biometrics_due", 4, "uz")
    assert "Belarus" in exemption
    steps = _steps(shipped_ruleset, "Uzbek student", "biometrics_due", "uz")
    assert exemption not in steps and len(steps) == 3
    amina = _steps(shipped_ruleset, "UZ patent holder in Moscow without Amina", "amina_required")
    assert _written(shipped_ruleset, "amina_required", 5) not in amina


def test_amina_is_told_only_in_moscow_and_its_region(shipped_ruleset):
    amina = _written(shipped_ruleset, "registration_due", 4)
    assert "«Амина»" in amina
    elsewhere = _steps(shipped_ruleset, "OTHER: 7 working days", "registration_due")
    assert amina not in elsewhere
    moscow = _steps(shipped_ruleset, "Persona 8: Kyrgyz worker just arrived", "registration_due")
    assert amina in moscow


def _shipped_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def test_a_step_condition_on_a_step_that_does_not_exist_is_reported(tmp_path):
    rules = _shipped_copy(tmp_path)
    line = break_file(rules, "outcomes/biometrics.yaml", "step_if: {4:", "step_if: {9:")
    assert_reported(rules, "outcomes/biometrics.yaml", line, "step_if names step 9")


def test_a_misspelled_option_condition_is_reported_with_its_line(tmp_path):
    rules = _shipped_copy(tmp_path)
    line = break_file(
        rules, "questions.yaml", "only_if: \"citizenship in ['KG'", "only_if: \"citizenshp in ['KG'"
    )
    assert_reported(rules, "questions.yaml", line, "unknown name 'citizenshp'")
    assert check_ruleset(rules)[0] is None
