"""Run the ruleset's own tests (`rules/tests/*.yaml`): answers on a date → expected result.

Each case states its `as_of`, so the tests never expire as time passes. Used by
`hamroh rules check`, by pytest, and by `/reload` before a new ruleset is served.
"""

from __future__ import annotations

from .engine import evaluate
from .errors import RuleProblem
from .ruleset import LocatedTest, Ruleset


def run_rule_test(test: LocatedTest, ruleset: Ruleset) -> list[RuleProblem]:
    """The ways one test case fails (empty when it passes)."""
    case = test.case
    assessment = evaluate(case.answers, case.as_of, ruleset, eager=True)
    expect = case.expect
    fired = set(assessment.outcome_ids)
    problems: list[str] = []
    if assessment.status != expect.status:
        problems.append(
            f"expected status {expect.status}, got {assessment.status} "
            f"(outcomes: {', '.join(sorted(fired)) or 'none'})"
        )
    if expect.outcomes is not None and fired != set(expect.outcomes):
        missing = sorted(set(expect.outcomes) - fired)
        extra = sorted(fired - set(expect.outcomes))
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing)}")
        if extra:
            detail.append(f"unexpected {', '.join(extra)}")
        problems.append(f"outcomes differ: {'; '.join(detail)}")
    for outcome_id in expect.includes:
        if outcome_id not in fired:
            problems.append(f"outcome {outcome_id} did not fire")
    for outcome_id in expect.excludes:
        if outcome_id in fired:
            problems.append(f"outcome {outcome_id} fired but must not")
    for deadline_id, expected in expect.deadlines.items():
        actual = assessment.deadline(deadline_id)
        if expected is None and actual is not None:
            problems.append(
                f"deadline {deadline_id} should be absent, got {actual.date.isoformat()}"
            )
        elif expected is not None and actual is None:
            problems.append(f"deadline {deadline_id}: expected {expected.isoformat()}, got none")
        elif expected is not None and actual is not None and actual.date != expected:
            problems.append(
                f"deadline {deadline_id}: expected {expected.isoformat()}, got {actual.date.isoformat()}"
            )
    for deadline_id, days in expect.may_move.items():
        found = assessment.deadline(deadline_id)
        if found is None:
            problems.append(f"deadline {deadline_id}: expected (may move {days}), got none")
        elif found.may_move_days != days:
            problems.append(
                f"deadline {deadline_id}: may move {found.may_move_days} days, expected {days}"
            )
    for error in assessment.errors:
        problems.append(f"rule error in `{error.expression}`: {error.message}")
    return [RuleProblem(test.file, test.line, f"test {case.name!r}: {p}") for p in problems]


def run_rule_tests(ruleset: Ruleset) -> tuple[int, list[RuleProblem]]:
    """Run every test case; return how many ran and the problems found."""
    problems: list[RuleProblem] = []
    for test in ruleset.tests:
        problems.extend(run_rule_test(test, ruleset))
    return len(ruleset.tests), problems
