"""Cases for the export tests: the shipped ruleset's own rule tests that set deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from bot.core.rules import Assessment, Ruleset, evaluate


@dataclass(frozen=True)
class Case:
    name: str
    answers: dict[str, Any]
    as_of: date
    assessment: Assessment


@pytest.fixture(scope="session")
def deadline_cases(shipped_ruleset: Ruleset) -> list[Case]:
    """Every rule test case of rules/tests whose assessment has at least one deadline."""
    cases = []
    for located in shipped_ruleset.tests:
        case = located.case
        assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
        if assessment.deadlines:
            cases.append(Case(case.name, dict(case.answers), case.as_of, assessment))
    assert len({d.id for c in cases for d in c.assessment.deadlines}) >= 10
    return cases


@pytest.fixture(scope="session")
def covering_cases(deadline_cases: list[Case]) -> list[Case]:
    """A few cases that together set every deadline id the rule tests reach."""
    wanted = {d.id for c in deadline_cases for d in c.assessment.deadlines}
    chosen: list[Case] = []
    seen: set[str] = set()
    for case in sorted(deadline_cases, key=lambda c: -len(c.assessment.deadlines)):
        ids = {d.id for d in case.assessment.deadlines}
        if ids - seen:
            chosen.append(case)
            seen |= ids
        if seen == wanted:
            break
    return chosen
