"""Read `rules/`, validate it strictly and compile it, or say exactly what is wrong.

The jobs are split by module: `yaml_files` reads YAML keeping lines,
`validation` checks each file against its schema, `calendar_file` builds the
working-day calendar, `crosscheck` checks references between files. This module
puts them in order and builds the `Ruleset`. All problems are collected rather
than stopping at the first, so an admin can fix a file in one go.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from .calendar_file import build_calendar, missing_decrees
from .crosscheck import CrossChecker, answer_problem
from .errors import RuleProblem, RulesetInvalid
from .expressions import date_functions
from .model import (
    CalendarFile,
    ContactsFile,
    DerivedFile,
    OutcomesFile,
    ParametersFile,
    QuestionsFile,
    RulesetHeader,
    RuleTestsFile,
    SourcesFile,
)
from .ruleset import Ruleset
from .validation import validate
from .yaml_files import Collector, RuleFile, parse_yaml, read_rule_file

__all__ = ["answer_problem", "check_ruleset", "load_ruleset", "parse_yaml"]

M = TypeVar("M", bound=BaseModel)


def load_ruleset(directory: str | Path) -> Ruleset:
    """Load and check the ruleset in `directory`; raise RulesetInvalid on any problem."""
    ruleset, problems = check_ruleset(directory)
    errors = [p for p in problems if not p.warning]
    if ruleset is None or errors:
        raise RulesetInvalid(errors or problems)
    return ruleset


def check_ruleset(directory: str | Path) -> tuple[Ruleset | None, list[RuleProblem]]:
    """Load the ruleset and return it with every problem and warning found.

    The ruleset is None when an error makes it unusable.
    """
    base = Path(directory)
    out = Collector()
    if not base.is_dir():
        out.add(str(base), 1, "not a folder")
        return None, out.problems

    def single(
        name: str, model: type[M], required: bool = True
    ) -> tuple[RuleFile | None, M | None]:
        path = base / name
        if not path.exists():
            if required:
                out.add(f"{base.name}/{name}", 1, "required file is missing")
            return None, None
        parsed = read_rule_file(path, base, out)
        return (parsed, validate(parsed, model, out)) if parsed else (None, None)

    header_file, header = single("ruleset.yaml", RulesetHeader)
    calendar_file, calendar_model = single("calendar.yaml", CalendarFile)
    params_file, params = single("parameters.yaml", ParametersFile)
    questions_file, questions = single("questions.yaml", QuestionsFile)
    derived_file, derived = single("derived.yaml", DerivedFile, required=False)
    sources_file, sources = single("sources.yaml", SourcesFile)
    contacts_file, contacts = single("contacts.yaml", ContactsFile)

    outcome_files: list[tuple[RuleFile, OutcomesFile]] = []
    outcome_paths = (
        sorted((base / "outcomes").glob("*.yaml")) if (base / "outcomes").is_dir() else []
    )
    if not outcome_paths:
        out.add(f"{base.name}/outcomes", 1, "no outcome files (outcomes/*.yaml)")
    for path in outcome_paths:
        parsed = read_rule_file(path, base, out)
        if parsed is not None:
            model = validate(parsed, OutcomesFile, out)
            if model is not None:
                outcome_files.append((parsed, model))

    test_files: list[tuple[RuleFile, RuleTestsFile]] = []
    test_dir = base / "tests"
    for path in sorted(test_dir.glob("*.yaml")) if test_dir.is_dir() else []:
        parsed = read_rule_file(path, base, out)
        if parsed is not None:
            tests_model = validate(parsed, RuleTestsFile, out)
            if tests_model is not None:
                test_files.append((parsed, tests_model))

    required = (header, calendar_model, params, questions, sources, contacts)
    if any(part is None for part in required) or (derived_file is not None and derived is None):
        return None, out.problems
    assert header and calendar_model and params and questions and sources and contacts
    assert header_file and calendar_file and params_file and questions_file
    assert sources_file and contacts_file

    checker = CrossChecker(out, header, header_file)
    calendar = build_calendar(calendar_file, calendar_model, out)
    functions = date_functions(calendar)
    checker.sources(sources_file, sources)
    checker.contacts(contacts_file, contacts)
    checker.questions(questions_file, questions)
    checker.parameters(params_file, params)
    ordered_derived = checker.derived(derived_file, derived) if derived_file and derived else ()
    checker.deadline_kinds()
    checker.calendar_note()
    all_outcomes = checker.outcomes(outcome_files)
    # An outcome file that could not be read is already one problem; the tests naming
    # its outcomes would each add "unknown outcome", burying it.
    tests = checker.tests(test_files, outcomes_known=len(outcome_files) == len(outcome_paths))
    needed = checker.needed_questions()

    for q in questions.questions:
        if q.id not in needed:
            out.add(
                questions_file,
                questions_file.line(("questions", questions.questions.index(q), "id")),
                f"question {q.id!r} is never used by an outcome, so it will not be asked",
                warning=True,
            )
    for year in missing_decrees(calendar, header.content_reviewed):
        out.add(
            calendar_file,
            1,
            f"no decree for {year} in the working-day calendar: its days are counted with the "
            "Labour Code's holidays only, and a deadline the missing transfers could move says "
            "by how many days; add the decree when it is published",
            warning=True,
        )

    if any(not p.warning for p in out.problems):
        return None, out.problems

    digest = hashlib.sha256()
    for path in sorted(base.rglob("*.yaml")):
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())

    ruleset = Ruleset(
        header=header,
        questions=tuple(questions.questions),
        derived=tuple(ordered_derived),
        outcomes=tuple(all_outcomes),
        parameters=dict(params.parameters),
        calendar=calendar,
        sources=dict(sources.sources),
        contacts={c.id: c for c in contacts.contacts},
        compiled=checker.compiled,
        written_at=checker.written_at,
        functions=functions,
        needed_questions=needed,
        fingerprint=digest.hexdigest()[:16],
        tests=tuple(tests),
        directory=str(base),
    )
    return ruleset, out.problems
