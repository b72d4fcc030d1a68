"""Run the ruleset's own tests (`rules/tests/*.yaml`): answers on a date → expected result.

Each case states its `as_of`, so the tests never expire as time passes. Used by
`hamroh rules check`, by pytest, and by `/reload` before a new ruleset is served.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import EvaluationError, evaluate
from .errors import RuleProblem
from .ruleset import LocatedTest, Ruleset


def _check(test: LocatedTest, ruleset: Ruleset) -> tuple[list[str], tuple[EvaluationError, ...]]:
    """How the test's result differs from what it expects, and the rule errors met."""
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
    return problems, assessment.errors


def _of_test(test: LocatedTest, reasons: list[str]) -> list[RuleProblem]:
    """Problems said at the test's own line, naming it."""
    return [RuleProblem(test.file, test.line, f"test {test.case.name!r}: {r}") for r in reasons]


def run_rule_test(test: LocatedTest, ruleset: Ruleset) -> list[RuleProblem]:
    """The ways one test case fails (empty when it passes)."""
    problems, errors = _check(test, ruleset)
    return _of_test(test, [*problems, *(_failing(error, ruleset) for error in errors)])


def _failing(error: EvaluationError, ruleset: Ruleset) -> str:
    """An expression that failed with every input known, said short: where it is
    written, then the first sentence of the reason (CEL's go on with advice)."""
    where = ruleset.written_at.get(error.expression)
    place = f" ({where[0]}:{where[1]})" if where else ""
    return f"rule error in `{error.expression}`{place}: {_first_sentence(error.message)}"


def _first_sentence(message: str) -> str:
    return message.split(". ", 1)[0].rstrip(".")


@dataclass(frozen=True)
class RuleTestReport:
    """What the rule tests found: how many ran and failed, and each problem once."""

    count: int
    failed: int
    problems: list[RuleProblem]


def rule_test_report(ruleset: Ruleset) -> RuleTestReport:
    """Run every test case.

    An expression that fails is a problem of the file it is written in: said there
    once, with how many tests met it and the first of them, instead of once in every
    test that reaches it (a hundred lines for one typo). Those tests still fail.
    """
    problems: list[RuleProblem] = []
    failed = 0
    met: dict[EvaluationError, list[LocatedTest]] = {}
    for test in ruleset.tests:
        own, errors = _check(test, ruleset)
        failed += bool(own or errors)
        for error in errors:
            if error.expression in ruleset.written_at:
                met.setdefault(error, []).append(test)
            else:  # not placed: said at the test, as `run_rule_test` says it
                own.append(_failing(error, ruleset))
        problems += _of_test(test, own)
    for error, tests in met.items():
        file, line = ruleset.written_at[error.expression]
        first = tests[0]
        count = f"{len(tests)} rule tests" if len(tests) > 1 else "1 rule test"
        reason = (
            f"rule error in `{error.expression}`: {_first_sentence(error.message)} "
            f"({count}, the first {first.file}:{first.line} {first.case.name!r})"
        )
        problems.append(RuleProblem(file, line, reason))
    return RuleTestReport(len(ruleset.tests), failed, problems)


def run_rule_tests(ruleset: Ruleset) -> tuple[int, list[RuleProblem]]:
    """Run every test case; return how many ran and the problems found."""
    report = rule_test_report(ruleset)
    return report.count, report.problems
