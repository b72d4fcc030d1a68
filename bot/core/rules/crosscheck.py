"""Checks that need more than one rule file: references, ids, placeholders, values.

Each check adds `file:line: reason` problems to the shared `Collector` and goes
on, so an admin sees every problem of a ruleset at once.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from string import Formatter
from typing import Any

from .expressions import Compiled, ExpressionError, compile_expression
from .model import (
    LOCALES,
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
)
from .ruleset import LocatedTest
from .yaml_files import Collector, RuleFile

RESERVED_NAMES = frozenset({"as_of"})
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CrossChecker:
    """Checks that need more than one file: references, ids, placeholders, values."""

    def __init__(self, out: Collector, header: RulesetHeader, header_file: RuleFile) -> None:
        self.out = out
        self.header = header
        self.header_file = header_file
        self.compiled: dict[str, Compiled] = {}
        self.written_at: dict[str, tuple[str, int]] = {}
        """Each expression's first place in the files (file, line): where a rule test
        that meets it failing sends the admin."""
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
        self,
        file: RuleFile,
        path: tuple[Any, ...],
        source: str,
        names: frozenset[str] | None = None,
    ) -> Compiled | None:
        try:
            compiled = self.compiled.get(source) if names is None else None
            if compiled is None:
                compiled = compile_expression(source, names if names is not None else self.names())
        except ExpressionError as error:
            self.out.add(file, file.value_line(path) + error.line_offset, error.reason)
            return None
        self.compiled[source] = compiled
        if source not in self.written_at:
            self.written_at[source] = (file.name, file.value_line(path))
        self.check_option_literals(file, path, source)
        return compiled

    def reads_later(
        self,
        file: RuleFile,
        path: tuple[Any, ...],
        source: str,
        earlier: frozenset[str],
        later: frozenset[str],
    ) -> bool:
        """Report a condition that reads this question or one below it (it exists: "unknown
        name" would send the admin looking for a typo); True when it does."""
        try:
            read = compile_expression(source, earlier | later).variables & later
        except ExpressionError:
            return False  # another problem: the ordinary compile reports it
        if not read:
            return False
        names = ", ".join(repr(name) for name in sorted(read))
        self.out.add(
            file,
            file.value_line(path),
            f"{names} is asked after this question: "
            "ask_if and only_if may read only the questions above",
        )
        return True

    def check_option_literals(self, file: RuleFile, path: tuple[Any, ...], source: str) -> None:
        """`citizenship == "UZZ"` compiles in CEL; catch values no option has."""
        for qid, allowed in self.options.items():
            if not allowed:
                continue
            if qid not in source:
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
                        + suggestion(value, allowed),
                    )

    def template_names(
        self, file: RuleFile, where: tuple[Any, ...], template: str, locale: str
    ) -> set[str]:
        """The `{names}` a text uses; a stray brace or an unknown name is an error.

        `where` is the text's path in `file`; its line is looked up only for a problem,
        because looking up every text's line was a third of loading the ruleset.
        """
        if "{" not in template and "}" not in template:
            return set()
        try:
            parsed = list(Formatter().parse(template))
        except ValueError as error:
            self.out.add(
                file, file.line(where), f"{locale!r} text: {error} (write a brace as {{{{ or }}}})"
            )
            return set()
        names: set[str] = set()
        known = self.names()
        for _literal, name, spec, _conversion in parsed:
            if name is None:
                continue
            if not PLACEHOLDER.fullmatch("{" + name + "}") or spec:
                self.out.add(
                    file, file.line(where), f"{locale!r} text: {{{name}}} is not a placeholder name"
                )
                continue
            if name not in known:
                self.out.add(
                    file,
                    file.line(where),
                    f"unknown placeholder {{{name}}} in {locale!r} text" + suggestion(name, known),
                )
            names.add(name)
        return names

    def placeholders(self, file: RuleFile, path: tuple[Any, ...], text: Text) -> None:
        """Placeholders must be real names and the same in every locale."""
        found = {
            locale: self.template_names(file, (*path, locale), text.get(locale), locale)
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

    def step_placeholders(self, file: RuleFile, path: tuple[Any, ...], steps: TextList) -> None:
        """Each step is a template too; step n must use the same names in every locale."""
        found = {
            locale: [
                self.template_names(file, (*path, locale, n), step, locale)
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

    def sources(self, file: RuleFile, model: SourcesFile) -> None:
        self.source_ids = set(model.sources)

    def check_sources(self, file: RuleFile, path: tuple[Any, ...], ids: list[str]) -> None:
        for index, source in enumerate(ids):
            if source not in self.source_ids:
                self.out.add(
                    file,
                    file.line((*path, index)),
                    f"unknown source {source!r}: add it to sources.yaml"
                    + suggestion(source, self.source_ids),
                )

    def contacts(self, file: RuleFile, model: ContactsFile) -> None:
        for index, contact in enumerate(model.contacts):
            if contact.id in self.contact_ids:
                self.out.add(
                    file,
                    file.line(("contacts", index, "id")),
                    f"duplicate contact id {contact.id!r}",
                )
            self.contact_ids.add(contact.id)
            self.check_sources(file, ("contacts", index, "sources"), contact.sources)

    def questions(self, file: RuleFile, model: QuestionsFile) -> None:
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
            later = frozenset(q.id for q in model.questions[index:]) - self.question_ids
            for o_index, option in enumerate(question.options):
                if option.only_if is not None:  # like ask_if: only earlier questions
                    earlier_only = frozenset(self.question_ids | RESERVED_NAMES)
                    o_path = (*path, "options", o_index, "only_if")
                    if not self.reads_later(file, o_path, option.only_if, earlier_only, later):
                        self.compile(file, o_path, option.only_if, earlier_only)
            if question.ask_if is not None:
                # A condition may only read questions asked before this one.
                earlier = frozenset(self.question_ids | RESERVED_NAMES)
                a_path = (*path, "ask_if")
                compiled = (
                    None
                    if self.reads_later(file, a_path, question.ask_if, earlier, later)
                    else self.compile(file, a_path, question.ask_if, earlier)
                )
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

    def parameters(self, file: RuleFile, model: ParametersFile) -> None:
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
                            f"{key!r} is not a citizenship option" + suggestion(key, citizenships),
                        )

    def derived(self, file: RuleFile, model: DerivedFile) -> list[Any]:
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

    def calendar_note(self) -> None:
        """The note on a deadline that may move is filled with `{days}` only."""
        file = self.header_file
        for locale in LOCALES:
            template = self.header.calendar_note.get(locale)
            try:
                names = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
            except ValueError as error:
                names = {f"({error})"}
            if names != {"days"}:
                self.out.add(
                    file,
                    file.line(("calendar_note", locale)),
                    f"calendar_note {locale!r}: write {{days}} (how far the deadline may move) "
                    "and no other placeholder",
                )

    def deadline_kinds(self) -> None:
        """A deadline's ``answer`` must name a question (it is asked again on "Yes, done")."""
        file = self.header_file
        for kind_id, kind in self.header.deadlines.items():
            if kind.answer is not None and kind.answer not in self.question_ids:
                self.out.add(
                    file,
                    file.line(("deadlines", kind_id, "answer")),
                    f"deadline {kind_id!r}: unknown question {kind.answer!r}"
                    + suggestion(kind.answer, self.question_ids),
                )

    def outcomes(self, files: list[tuple[RuleFile, OutcomesFile]]) -> list[Outcome]:
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
                            + suggestion(deadline.id, set(self.header.deadlines)),
                        )
                    compiled = self.compile(file, (*d_path, "date"), deadline.date)
                    if compiled:
                        self.outcome_reads |= compiled.variables
                    if deadline.note:
                        self.placeholders(file, (*d_path, "note"), deadline.note)
                for number, condition in outcome.step_if.items():
                    s_path = (*path, "step_if", number)
                    if number > len(outcome.steps.get("ru")):
                        self.out.add(
                            file,
                            file.line(s_path),
                            f"step_if names step {number}, but the outcome has "
                            f"{len(outcome.steps.get('ru'))} steps",
                        )
                    # answers only: steps are worded after the evaluation, from the answers
                    answers_only = frozenset(self.question_ids | RESERVED_NAMES)
                    self.compile(file, s_path, condition, answers_only)
                self.check_sources(file, (*path, "sources"), outcome.sources)
                for c_index, contact in enumerate(outcome.contacts):
                    if contact not in self.contact_ids:
                        self.out.add(
                            file,
                            file.line((*path, "contacts", c_index)),
                            f"unknown contact {contact!r}" + suggestion(contact, self.contact_ids),
                        )
                if outcome.review_by and outcome.review_by < self.header.content_reviewed:
                    self.out.add(
                        file,
                        file.line((*path, "review_by")),
                        f"outcome {outcome.id!r}: review_by {outcome.review_by.isoformat()} has "
                        "passed: check the draft or bill again and update the outcome",
                        warning=True,
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

    def tests(
        self, files: list[tuple[RuleFile, RuleTestsFile]], outcomes_known: bool = True
    ) -> list[LocatedTest]:
        """The rule tests, with their answers and expectations checked. ``outcomes_known``
        false: an outcome file could not be read, so an outcome id a test names cannot be
        told unknown."""
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
                            f"unknown question {qid!r}" + suggestion(qid, set(by_id)),
                        )
                        continue
                    problem = answer_problem(question, value, self.options[qid])
                    if problem:
                        self.out.add(file, file.line(a_path), f"{qid}: {problem}")
                expect = case.expect
                for key in [*(expect.outcomes or []), *expect.includes, *expect.excludes]:
                    if outcomes_known and key not in self.outcome_ids:
                        self.out.add(
                            file,
                            file.line((*path, "expect")),
                            f"unknown outcome {key!r}" + suggestion(key, self.outcome_ids),
                        )
                keys = [("deadlines", k) for k in expect.deadlines]
                keys += [("may_move", k) for k in expect.may_move]
                for section, key in keys:
                    if key not in self.header.deadlines:
                        self.out.add(
                            file,
                            file.line((*path, "expect", section, key)),
                            f"unknown deadline id {key!r}"
                            + suggestion(key, set(self.header.deadlines)),
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
            return f"{value!r} is not an option ({', '.join(sorted(allowed))})" + suggestion(
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


def suggestion(name: str, candidates: set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
