"""The shipped ruleset in rules/: it loads cleanly and every YAML rule test passes.

Each case in rules/tests/*.yaml becomes one pytest test, named after the case,
so a failure points at the case and its `file:line`.
"""

from __future__ import annotations

import pytest

from bot.core.rules import check_ruleset
from bot.core.rules.testing import run_rule_test

from .conftest import RULES

RULESET, PROBLEMS = check_ruleset(RULES)
CASES = list(RULESET.tests) if RULESET is not None else []


def test_the_shipped_ruleset_loads_without_errors():
    errors = [str(p) for p in PROBLEMS if not p.warning]
    assert RULESET is not None and not errors, "\n".join(errors)


def test_every_question_is_used_by_some_outcome():
    unused = [str(p) for p in PROBLEMS if p.warning and "never used" in p.reason]
    assert not unused, "\n".join(unused)


def test_there_are_enough_rule_tests():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.line} {c.case.name}" for c in CASES])
def test_rule_case(case):
    failures = run_rule_test(case, RULESET)
    assert not failures, "\n".join(str(f) for f in failures)


def test_every_outcome_cites_sources_and_review_date():
    assert RULESET is not None
    for outcome in RULESET.outcomes:
        assert outcome.sources, outcome.id
        assert outcome.last_reviewed, outcome.id
        assert outcome.legal_basis.ru, outcome.id


def test_every_deadline_says_which_answer_done_changes():
    """A reminder's "Yes, done" asks that question again; without one the user only
    gets the whole list of answers to pick from."""
    assert RULESET is not None
    used = {d.id for outcome in RULESET.outcomes for d in outcome.deadlines}
    for deadline_id in used:
        kind = RULESET.header.deadlines[deadline_id]
        assert kind.answer is not None and RULESET.has_question(kind.answer), deadline_id
    payments = [k for k, v in RULESET.header.deadlines.items() if v.payment]
    assert payments == ["patent_payment"]
