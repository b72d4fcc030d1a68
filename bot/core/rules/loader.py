"""Read `rules/`, validate it strictly and compile it, or say exactly what is wrong.

Reading is the only I/O in the core and is kept here: the engine receives a
finished `Ruleset`. Every problem is reported as `file:line: reason`; all
problems are collected rather than stopping at the first, so an admin can fix a
file in one go.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Formatter
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from .dates import WorkingCalendar
from .errors import RuleProblem, RulesetInvalid
from .expressions import Compiled, ExpressionError, compile_expression, date_functions
from .model import (
    LOCALES,
    CalendarFile,
    ContactsFile,
    DerivedFile,
    Outcome,
    OutcomesFile,
    ParametersFile,
    Question,
    QuestionsFile,
    RulesetHeader,
    RuleTestsFile,
    SourcesFile,
    Text,
    TextList,
    expand_days,
)
from .ruleset import LocatedTest, Ruleset

M = TypeVar("M", bound=BaseModel)

RESERVED_NAMES = frozenset({"as_of"})
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class _File:
    """One parsed YAML file and its node tree, used to turn a path into a line."""

    name: str
    root: Any

    def line(self, path: Iterator[Any] | tuple[Any, ...] | list[Any]) -> int:
        """The 1-based line of the deepest node on `path` that exists."""
        node, line = self.root, 1
        for key in path:
            located = _locate(node, key)
            if located is None:
                break
            node, line = located
        return line

    def value_line(self, path: tuple[Any, ...]) -> int:
        """Line where a scalar's text starts (the line after `|` for block scalars)."""
        line = self.line(path)
        node: Any = self.root
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return line
        if isinstance(node, LiteralScalarString | FoldedScalarString):
            return line + 1
        return line


def _locate(node: Any, key: Any) -> tuple[Any, int] | None:
    lc = getattr(node, "lc", None)
    if isinstance(node, dict) and key in node:
        line = lc.key(key)[0] + 1 if lc is not None else 1
        return node[key], line
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        line = lc.item(key)[0] + 1 if lc is not None else 1
        return node[key], line
    return None


@dataclass
class _Collector:
    """Accumulates problems while the loader goes on checking everything else."""

    problems: list[RuleProblem] = field(default_factory=list)

    def add(self, file: _File | str, line: int, reason: str, warning: bool = False) -> None:
        name = file.name if isinstance(file, _File) else file
        self.problems.append(RuleProblem(name, line, reason, warning))


class _Constructor(RoundTripConstructor):
    """Keeps YAML timestamps as text so a bad date (2025-02-31) becomes a schema
    error with its line, instead of an unmarked crash inside the YAML parser."""


_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda self, node: str(self.construct_scalar(node)),
)
_yaml = YAML(typ="rt")
_yaml.Constructor = _Constructor


def parse_yaml(text: str) -> Any:
    """Parse YAML (or JSON) the way rule files are read: dates stay text.

    For other inputs that name answers, such as ``hamroh rules evaluate``'s answer
    file, so a date there is checked by the same rules as a date in a rule test.
    Raises ruamel's errors for text that is not YAML.
    """
    return _yaml.load(text)


def _read(path: Path, base: Path, out: _Collector) -> _File | None:
    name = str(path.relative_to(base.parent)) if path.is_relative_to(base.parent) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        out.add(name, 1, f"cannot read the file: {error}")
        return None
    try:
        root = _yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(filter(None, [error.context, error.problem])) or "YAML syntax error"
        out.add(name, line, f"YAML syntax error: {reason}")
        return None
    except Exception as error:  # ruamel raises a few unmarked errors too
        out.add(name, 1, f"YAML error: {error}")
        return None
    if root is None:
        out.add(name, 1, "the file is empty")
        return None
    return _File(name, root)


def _describe(error: Any) -> str:
    kind, loc, msg = error["type"], error["loc"], error["msg"]
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return f"unknown key {last!r}"
    if kind == "missing":
        if last in LOCALES:
            return f"missing translation {last!r}: every text needs all of {', '.join(LOCALES)}"
        return f"missing required key {last!r}"
    where = ".".join(str(p) for p in loc if not str(p).startswith(("function-", "lax-")))
    return f"{where}: {msg}" if where else msg


def _validate(file: _File, model: type[M], out: _Collector) -> M | None:
    try:
        return model.model_validate(file.root)
    except ValidationError as error:
        seen: set[tuple[int, str]] = set()
        for item in error.errors():
            reason = _describe(item)
            line = file.line(item["loc"])
            if (line, reason) not in seen:
                seen.add((line, reason))
                out.add(file, line, reason)
        return None


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
    out = _Collector()
    if not base.is_dir():
        out.add(str(base), 1, "not a folder")
        return None, out.problems

    def single(name: str, model: type[M], required: bool = True) -> tuple[_File | None, M | None]:
        path = base / name
        if not path.exists():
            if required:
                out.add(f"{base.name}/{name}", 1, "required file is missing")
            return None, None
        parsed = _read(path, base, out)
        return (parsed, _validate(parsed, model, out)) if parsed else (None, None)

    header_file, header = single("ruleset.yaml", RulesetHeader)
    calendar_file, calendar_model = single("calendar.yaml", CalendarFile)
    params_file, params = single("parameters.yaml", ParametersFile)
    questions_file, questions = single("questions.yaml", QuestionsFile)
    derived_file, derived = single("derived.yaml", DerivedFile, required=False)
    sources_file, sources = single("sources.yaml", SourcesFile)
    contacts_file, contacts = single("contacts.yaml", ContactsFile)

    outcome_files: list[tuple[_File, OutcomesFile]] = []
    outcome_paths = (
        sorted((base / "outcomes").glob("*.yaml")) if (base / "outcomes").is_dir() else []
    )
    if not outcome_paths:
        out.add(f"{base.name}/outcomes", 1, "no outcome files (outcomes/*.yaml)")
    for path in outcome_paths:
        parsed = _read(path, base, out)
        if parsed is not None:
            model = _validate(parsed, OutcomesFile, out)
            if model is not None:
                outcome_files.append((parsed, model))

    test_files: list[tuple[_File, RuleTestsFile]] = []
    test_dir = base / "tests"
    for path in sorted(test_dir.glob("*.yaml")) if test_dir.is_dir() else []:
        parsed = _read(path, base, out)
        if parsed is not None:
            tests_model = _validate(parsed, RuleTestsFile, out)
            if tests_model is not None:
                test_files.append((parsed, tests_model))

    required = (header, calendar_model, params, questions, sources, contacts)
    if any(part is None for part in required) or (derived_file is not None and derived is None):
        return None, out.problems
    assert header and calendar_model and params and questions and sources and contacts
    assert header_file and calendar_file and params_file and questions_file
    assert sources_file and contacts_file

    checker = _CrossChecker(out, header, header_file)
    calendar = checker.calendar(calendar_file, calendar_model)
    functions = date_functions(calendar)
    checker.sources(sources_file, sources)
    checker.contacts(contacts_file, contacts)
    checker.questions(questions_file, questions)
    checker.parameters(params_file, params)
    ordered_derived = checker.derived(derived_file, derived) if derived_file and derived else ()
    checker.deadline_kinds()
    all_outcomes = checker.outcomes(outcome_files)
    tests = checker.tests(test_files)
    needed = checker.needed_questions()

    for q in questions.questions:
        if q.id not in needed:
            out.add(
                questions_file,
                questions_file.line(("questions", questions.questions.index(q), "id")),
                f"question {q.id!r} is never used by an outcome, so it will not be asked",
                warning=True,
            )
    today_years = set(calendar.years)
    if today_years and max(today_years) < header.content_reviewed.year + 1:
        out.add(
            calendar_file,
            1,
            f"the working-day calendar ends with {max(today_years)}; add next year's official "
            "non-working days before it starts",
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
        functions=functions,
        needed_questions=needed,
        fingerprint=digest.hexdigest()[:16],
        tests=tuple(tests),
        directory=str(base),
    )
    return ruleset, out.problems


class _CrossChecker:
    """Checks that need more than one file: references, ids, placeholders, values."""

    def __init__(self, out: _Collector, header: RulesetHeader, header_file: _File) -> None:
        self.out = out
        self.header = header
        self.header_file = header_file
        self.compiled: dict[str, Compiled] = {}
        self.question_list: list[Question] = []
        self.question_ids: set[str] = set()
        self.options: dict[str, set[str]] = {}
        self.parameter_names: set[str] = set()
        self.citizenship_parameters: set[str] = set()
        self.derived_ids: set[str] = set()
        self.derived_reads: dict[str, frozenset[str]] = {}
        self.outcome_reads: set[str] = set()
        self.ask_if_reads: dict[str, frozenset[str]] = {}
        self.source_ids: set[str] = set()
        self.contact_ids: set[str] = set()
        self.outcome_ids: set[str] = set()

    # -- helpers ---------------------------------------------------------------

    def names(self) -> frozenset[str]:
        return frozenset(
            self.question_ids | self.parameter_names | self.derived_ids | RESERVED_NAMES
        )

    def compile(
        self, file: _File, path: tuple[Any, ...], source: str, names: frozenset[str] | None = None
    ) -> Compiled | None:
        try:
            compiled = self.compiled.get(source) if names is None else None
            if compiled is None:
                compiled = compile_expression(source, names if names is not None else self.names())
        except ExpressionError as error:
            self.out.add(file, file.value_line(path) + error.line_offset, error.reason)
            return None
        self.compiled[source] = compiled
        self.check_option_literals(file, path, source)
        return compiled

    def check_option_literals(self, file: _File, path: tuple[Any, ...], source: str) -> None:
        """`citizenship == "UZZ"` compiles in CEL; catch values no option has."""
        for qid, allowed in self.options.items():
            if not allowed:
                continue
            literals: list[str] = []
            for m in re.finditer(rf"\b{qid}\s*(?:==|!=)\s*[\"']([^\"']*)[\"']", source):
                literals.append(m[1])
            for m in re.finditer(rf"[\"']([^\"']*)[\"']\s*(?:==|!=)\s*{qid}\b", source):
                literals.append(m[1])
            for m in re.finditer(rf"\b{qid}\s+in\s*\[([^\]]*)\]", source):
                literals.extend(re.findall(r"[\"']([^\"']*)[\"']", m[1]))
            for value in literals:
                if value not in allowed:
                    self.out.add(
                        file,
                        file.value_line(path),
                        f"{qid!r} has no option {value!r} (options: {', '.join(sorted(allowed))})"
                        + _suggestion(value, allowed),
                    )

    def template_names(self, file: _File, line: int, template: str, locale: str) -> set[str]:
        """The `{names}` a text uses; a stray brace or an unknown name is an error."""
        try:
            parsed = list(Formatter().parse(template))
        except ValueError as error:
            self.out.add(file, line, f"{locale!r} text: {error} (write a brace as {{{{ or }}}})")
            return set()
        names: set[str] = set()
        for _literal, name, spec, _conversion in parsed:
            if name is None:
                continue
            if not PLACEHOLDER.fullmatch("{" + name + "}") or spec:
                self.out.add(file, line, f"{locale!r} text: {{{name}}} is not a placeholder name")
                continue
            if name not in self.names():
                self.out.add(
                    file,
                    line,
                    f"unknown placeholder {{{name}}} in {locale!r} text"
                    + _suggestion(name, self.names()),
                )
            names.add(name)
        return names

    def placeholders(self, file: _File, path: tuple[Any, ...], text: Text) -> None:
        """Placeholders must be real names and the same in every locale."""
        found = {
            locale: self.template_names(file, file.line((*path, locale)), text.get(locale), locale)
            for locale in LOCALES
        }
        for locale in LOCALES[1:]:
            if found[locale] != found["ru"]:
                self.out.add(
                    file,
                    file.line((*path, locale)),
                    f"placeholders in {locale!r} differ from 'ru' "
                    f"({', '.join(sorted(found['ru'])) or 'none'})",
                )

    def step_placeholders(self, file: _File, path: tuple[Any, ...], steps: TextList) -> None:
        """Each step is a template too; step n must use the same names in every locale."""
        found = {
            locale: [
                self.template_names(file, file.line((*path, locale, n)), step, locale)
                for n, step in enumerate(steps.get(locale))
            ]
            for locale in LOCALES
        }
        for locale in LOCALES[1:]:
            for n, (names, russian) in enumerate(zip(found[locale], found["ru"], strict=False)):
                if names != russian:
                    self.out.add(
                        file,
                        file.line((*path, locale, n)),
                        f"step {n + 1}: placeholders in {locale!r} differ from 'ru' "
                        f"({', '.join(sorted(russian)) or 'none'})",
                    )

    # -- files -----------------------------------------------------------------

    def calendar(self, file: _File, model: CalendarFile) -> WorkingCalendar:
        non_working: list[date] = []
        working: list[date] = []
        for year, entry in model.calendar.items():
            for index, item in enumerate(entry.non_working):
                for day in expand_days(item):
                    if day.year != year:
                        self.out.add(
                            file,
                            file.line(("calendar", year, "non_working", index)),
                            f"{day.isoformat()} is not in {year}",
                        )
                    non_working.append(day)
            for index, day in enumerate(entry.working_weekends):
                if day.weekday() < 5:
                    self.out.add(
                        file,
                        file.line(("calendar", year, "working_weekends", index)),
                        f"{day.isoformat()} is not a Saturday or Sunday",
                    )
                working.append(day)
        return WorkingCalendar.build(model.calendar.keys(), non_working, working)

    def sources(self, file: _File, model: SourcesFile) -> None:
        self.source_ids = set(model.sources)

    def check_sources(self, file: _File, path: tuple[Any, ...], ids: list[str]) -> None:
        for index, source in enumerate(ids):
            if source not in self.source_ids:
                self.out.add(
                    file,
                    file.line((*path, index)),
                    f"unknown source {source!r}: add it to sources.yaml"
                    + _suggestion(source, self.source_ids),
                )

    def contacts(self, file: _File, model: ContactsFile) -> None:
        for index, contact in enumerate(model.contacts):
            if contact.id in self.contact_ids:
                self.out.add(
                    file,
                    file.line(("contacts", index, "id")),
                    f"duplicate contact id {contact.id!r}",
                )
            self.contact_ids.add(contact.id)
            self.check_sources(file, ("contacts", index, "sources"), contact.sources)

    def questions(self, file: _File, model: QuestionsFile) -> None:
        for index, question in enumerate(model.questions):
            path = ("questions", index)
            if question.id in self.question_ids:
                self.out.add(
                    file, file.line((*path, "id")), f"duplicate question id {question.id!r}"
                )
            if question.id in RESERVED_NAMES:
                self.out.add(file, file.line((*path, "id")), f"{question.id!r} is a reserved name")
            if question.type == "choice" and len(question.options) < 2:
                self.out.add(file, file.line(path), "a choice question needs at least two options")
            if (
                question.type in ("date", "integer")
                and question.options
                and any(o.value in ("yes", "no") for o in question.options)
            ):
                self.out.add(
                    file,
                    file.line((*path, "options")),
                    "date and number questions cannot have yes/no options",
                )
            if question.type != "integer" and (
                question.min is not None or question.max is not None
            ):
                self.out.add(file, file.line(path), "min and max apply only to integer questions")
            for o_index, option in enumerate(question.options):
                if option.label is None and option.value not in self.header.labels:
                    self.out.add(
                        file,
                        file.line((*path, "options", o_index)),
                        f"option {option.value!r} needs a label (no shared label in ruleset.yaml)",
                    )
            for o_index, option in enumerate(question.options):
                if option.only_if is not None:  # like ask_if: only earlier questions
                    earlier_only = frozenset(self.question_ids | RESERVED_NAMES)
                    o_path = (*path, "options", o_index, "only_if")
                    self.compile(file, o_path, option.only_if, earlier_only)
            if question.ask_if is not None:
                # A condition may only read questions asked before this one.
                earlier = frozenset(self.question_ids | RESERVED_NAMES)
                compiled = self.compile(file, (*path, "ask_if"), question.ask_if, earlier)
                if compiled is None:
                    pass
                self.ask_if_reads[question.id] = compiled.variables if compiled else frozenset()
            self.question_ids.add(question.id)
            self.question_list.append(question)
            values = [o.value for o in question.options]
            if question.type == "yes_no":
                values = ["yes", "no", *values]
            self.options[question.id] = (
                set(values) if question.type in ("choice", "yes_no") else set()
            )
        # ask_if option literals can only be checked once all options are known.
        for index, question in enumerate(model.questions):
            if question.ask_if:
                self.check_option_literals(file, ("questions", index, "ask_if"), question.ask_if)
            for o_index, option in enumerate(question.options):
                if option.only_if:
                    o_path = ("questions", index, "options", o_index, "only_if")
                    self.check_option_literals(file, o_path, option.only_if)

    def parameters(self, file: _File, model: ParametersFile) -> None:
        citizenships = self.options.get("citizenship", set())
        for name, parameter in model.parameters.items():
            if name in self.question_ids or name in RESERVED_NAMES:
                self.out.add(
                    file,
                    file.line(("parameters", name)),
                    f"parameter {name!r} has the name of a question",
                )
            self.parameter_names.add(name)
            if any(period.by_citizenship for period in parameter.history):
                self.citizenship_parameters.add(name)
            self.check_sources(file, ("parameters", name, "sources"), parameter.sources)
            for p_index, period in enumerate(parameter.history):
                for key in period.by_citizenship:
                    if citizenships and key not in citizenships:
                        self.out.add(
                            file,
                            file.line(
                                ("parameters", name, "history", p_index, "by_citizenship", key)
                            ),
                            f"{key!r} is not a citizenship option" + _suggestion(key, citizenships),
                        )

    def derived(self, file: _File, model: DerivedFile) -> list[Any]:
        by_id = {}
        for index, item in enumerate(model.derived):
            if item.id in self.names() or item.id in by_id:
                self.out.add(
                    file, file.line(("derived", index, "id")), f"name {item.id!r} is already used"
                )
            by_id[item.id] = (index, item)
        self.derived_ids = set(by_id)
        for item_id, (index, item) in by_id.items():
            compiled = self.compile(file, ("derived", index, "value"), item.value)
            self.derived_reads[item_id] = compiled.variables if compiled else frozenset()
            self.placeholders(file, ("derived", index, "label"), item.label)
        # Order by dependency; a cycle is an error naming its members.
        ordered: list[Any] = []
        state: dict[str, int] = {}

        def visit(item_id: str, trail: list[str]) -> None:
            if state.get(item_id) == 2:
                return
            if state.get(item_id) == 1:
                index = by_id[item_id][0]
                cycle = " → ".join([*trail[trail.index(item_id) :], item_id])
                self.out.add(
                    file,
                    file.line(("derived", index, "value")),
                    f"derived values depend on each other in a circle: {cycle}",
                )
                return
            state[item_id] = 1
            for dependency in sorted(self.derived_reads[item_id] & self.derived_ids):
                visit(dependency, [*trail, item_id])
            state[item_id] = 2
            ordered.append(by_id[item_id][1])

        for item_id in by_id:
            visit(item_id, [])
        return ordered

    def deadline_kinds(self) -> None:
        """A deadline's ``answer`` must name a question (it is asked again on "Yes, done")."""
        file = self.header_file
        for kind_id, kind in self.header.deadlines.items():
            if kind.answer is not None and kind.answer not in self.question_ids:
                self.out.add(
                    file,
                    file.line(("deadlines", kind_id, "answer")),
                    f"deadline {kind_id!r}: unknown question {kind.answer!r}"
                    + _suggestion(kind.answer, self.question_ids),
                )

    def outcomes(self, files: list[tuple[_File, OutcomesFile]]) -> list[Outcome]:
        result: list[Outcome] = []
        for file, model in files:
            for index, outcome in enumerate(model.outcomes):
                path: tuple[Any, ...] = ("outcomes", index)
                if outcome.id in self.outcome_ids:
                    self.out.add(
                        file, file.line((*path, "id")), f"duplicate outcome id {outcome.id!r}"
                    )
                self.outcome_ids.add(outcome.id)
                for c_index, clause in enumerate(outcome.when):
                    compiled = self.compile(file, (*path, "when", c_index, "if"), clause.check)
                    if compiled:
                        self.outcome_reads |= compiled.variables
                    self.placeholders(file, (*path, "when", c_index, "because"), clause.because)
                for d_index, deadline in enumerate(outcome.deadlines):
                    d_path = (*path, "deadlines", d_index)
                    if deadline.id not in self.header.deadlines:
                        self.out.add(
                            file,
                            file.line((*d_path, "id")),
                            f"unknown deadline id {deadline.id!r}: declare it under `deadlines:` in ruleset.yaml"
                            + _suggestion(deadline.id, set(self.header.deadlines)),
                        )
                    compiled = self.compile(file, (*d_path, "date"), deadline.date)
                    if compiled:
                        self.outcome_reads |= compiled.variables
                    if deadline.note:
                        self.placeholders(file, (*d_path, "note"), deadline.note)
                self.check_sources(file, (*path, "sources"), outcome.sources)
                for c_index, contact in enumerate(outcome.contacts):
                    if contact not in self.contact_ids:
                        self.out.add(
                            file,
                            file.line((*path, "contacts", c_index)),
                            f"unknown contact {contact!r}" + _suggestion(contact, self.contact_ids),
                        )
                if (
                    outcome.valid_from
                    and outcome.valid_until
                    and outcome.valid_until < outcome.valid_from
                ):
                    self.out.add(
                        file, file.line((*path, "valid_until")), "valid_until is before valid_from"
                    )
                for locale_path in ("title", "legal_basis", "uncertain"):
                    if getattr(outcome, locale_path) is not None:
                        self.placeholders(file, (*path, locale_path), getattr(outcome, locale_path))
                self.step_placeholders(file, (*path, "steps"), outcome.steps)
                result.append(outcome)
        return result

    def needed_questions(self) -> frozenset[str]:
        """Questions read by outcomes, through derived values, and by their ask_if."""
        needed: set[str] = set()
        pending = list(self.outcome_reads)
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.derived_reads:
                pending.extend(self.derived_reads[name])
            elif name in self.citizenship_parameters:
                # A value that differs by citizenship depends on that answer.
                pending.append("citizenship")
            elif name in self.question_ids:
                needed.add(name)
                pending.extend(self.ask_if_reads.get(name, ()))
        return frozenset(needed)

    def tests(self, files: list[tuple[_File, RuleTestsFile]]) -> list[LocatedTest]:
        located: list[LocatedTest] = []
        by_id = {q.id: q for q in self.question_list}
        for file, model in files:
            for index, case in enumerate(model.tests):
                path: tuple[Any, ...] = ("tests", index)
                for qid, value in case.answers.items():
                    a_path = (*path, "answers", qid)
                    question = by_id.get(qid)
                    if question is None:
                        self.out.add(
                            file,
                            file.line(a_path),
                            f"unknown question {qid!r}" + _suggestion(qid, set(by_id)),
                        )
                        continue
                    problem = answer_problem(question, value, self.options[qid])
                    if problem:
                        self.out.add(file, file.line(a_path), f"{qid}: {problem}")
                expect = case.expect
                for key in [*(expect.outcomes or []), *expect.includes, *expect.excludes]:
                    if key not in self.outcome_ids:
                        self.out.add(
                            file,
                            file.line((*path, "expect")),
                            f"unknown outcome {key!r}" + _suggestion(key, self.outcome_ids),
                        )
                for key in expect.deadlines:
                    if key not in self.header.deadlines:
                        self.out.add(
                            file,
                            file.line((*path, "expect", "deadlines", key)),
                            f"unknown deadline id {key!r}"
                            + _suggestion(key, set(self.header.deadlines)),
                        )
                located.append(LocatedTest(file.name, file.line(path), case))
        return located


def answer_problem(question: Question, value: Any, options: set[str] | None = None) -> str | None:
    """Why a stored answer value is not valid for this question, or None."""
    extra = {o.value for o in question.options}
    if question.type in ("choice", "yes_no"):
        allowed = (
            options
            if options is not None
            else ({"yes", "no"} | extra if question.type == "yes_no" else extra)
        )
        if value not in allowed:
            return f"{value!r} is not an option ({', '.join(sorted(allowed))})" + _suggestion(
                str(value), allowed
            )
        return None
    if isinstance(value, str) and value in extra:
        return None
    if question.type == "date":
        if isinstance(value, date):
            return None
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
                return None
            except ValueError:
                pass
        return f"{value!r} is not a date (YYYY-MM-DD)"
    if question.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{value!r} is not a whole number"
        if question.min is not None and value < question.min:
            return f"{value} is below the minimum {question.min}"
        if question.max is not None and value > question.max:
            return f"{value} is above the maximum {question.max}"
    return None


def _suggestion(name: str, candidates: set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
