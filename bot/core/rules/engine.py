"""`evaluate(answers, as_of, ruleset) -> Assessment`: the pure heart of Hamroh.

No clock, no I/O, no language: the assessment holds ids, dates and the facts
that made each outcome fire; `present.py` turns it into words in a locale. The
same answers, date and ruleset always give the same assessment, so a result can
be replayed later from `ruleset_version` and `as_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .expressions import make_context, to_cel
from .model import STATUSES, Clause, Outcome, Question
from .ruleset import Ruleset

SEVERITY: tuple[str, ...] = (
    "controlled",
    "entry_banned",
    "irregular",
    "unclear",
    "action_needed",
    "legal",
)
"""The overall status is the most severe status among the outcomes that fired.

`controlled` outranks `entry_banned`: a person inside Russia on the registry must
act on the registry first; rules keep the two apart by the `in_russia` answer.
"""
assert set(SEVERITY) == set(STATUSES)


@dataclass(frozen=True)
class Reason:
    """A condition that held, with the values its explanation names."""

    clause: Clause
    reads: tuple[str, ...]
    """Questions, derived values and parameters the condition read."""


@dataclass(frozen=True)
class FiredOutcome:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    answers_used: tuple[str, ...]
    """Question ids this outcome depended on, directly or through derived values."""

    @property
    def id(self) -> str:
        return self.outcome.id

    @property
    def status(self) -> str:
        return str(self.outcome.status)


@dataclass(frozen=True)
class DeadlineDate:
    id: str
    date: date
    outcome_id: str
    remind_days_before: tuple[int, ...]


@dataclass(frozen=True)
class EvaluationError:
    """An expression that failed although all it reads was known: a rule bug."""

    expression: str
    message: str


@dataclass(frozen=True)
class Assessment:
    status: str
    outcomes: tuple[FiredOutcome, ...]
    deadlines: tuple[DeadlineDate, ...]
    as_of: date
    ruleset_version: str
    ruleset_fingerprint: str
    answers: Mapping[str, Any]
    """The answers that counted (answers to questions no longer asked are left out)."""
    values: Mapping[str, Any]
    """Every answer, parameter and derived value, for explanations."""
    errors: tuple[EvaluationError, ...] = field(default=())

    @property
    def outcome_ids(self) -> list[str]:
        return [o.id for o in self.outcomes]

    def deadline(self, deadline_id: str) -> DeadlineDate | None:
        return next((d for d in self.deadlines if d.id == deadline_id), None)


def coerce_answer(value: Any) -> Any:
    """Stored answers are strings or ints; ISO date strings become dates."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _walk_questions(
    answers: Mapping[str, Any], ruleset: Ruleset, as_of: date
) -> tuple[list[Question], dict[str, Any], Any]:
    """One pass over the questions in order: which are asked, which answers count.

    An `ask_if` reads only earlier questions (the loader checks), so a single
    CEL context, filled in as answers start to count, decides every question.
    A question no outcome needs is never asked; an `ask_if` that cannot be
    decided (it reads an unknown value) means "not asked". Returns the asked
    questions, the counted answers and the context (reused by `evaluate`).
    """
    values = _question_values(ruleset, {}, as_of)
    context = make_context(ruleset.functions, values)
    counted: dict[str, Any] = {}
    asked: list[Question] = []
    for question in ruleset.questions:
        if question.id not in ruleset.needed_questions:
            continue
        if question.ask_if is not None:
            condition = ruleset.compiled[question.ask_if]
            if condition.cannot_hold(counted):
                continue
            try:
                if condition.run(context) is not True:
                    continue
            except Exception:
                continue
        asked.append(question)
        if question.id in answers:
            value = coerce_answer(answers[question.id])
            counted[question.id] = value
            context.update({question.id: to_cel(value)})
    return asked, counted, context


def asked_questions(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> list[Question]:
    """The questions this person is asked, in order, given their answers."""
    return _walk_questions(answers, ruleset, as_of)[0]


def effective_answers(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> dict[str, Any]:
    """The answers that count: those to questions this person would be asked.

    A stored answer whose question is no longer asked (its `ask_if` became false
    after an earlier answer changed) stays in storage but does not count.
    """
    return _walk_questions(answers, ruleset, as_of)[1]


def _question_values(ruleset: Ruleset, answers: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    values: dict[str, Any] = {q.id: None for q in ruleset.questions}
    values.update(answers)
    values["as_of"] = as_of
    return values


class _Values:
    """The values of one evaluation; derived values are computed when first read.

    Most outcomes fail on a cheap guard (`document == 'patent'`), so most
    derived values are never needed; computing them lazily keeps re-evaluating
    every stored answer set after a rules change fast.
    """

    def __init__(self, ruleset: Ruleset, context: Any, values: dict[str, Any]) -> None:
        self.ruleset = ruleset
        self.context = context
        self.values = values
        self.errors: list[EvaluationError] = []
        self.pending = {d.id: d for d in ruleset.derived}

    def need(self, names: frozenset[str] | set[str]) -> None:
        for name in names:
            item = self.pending.pop(name, None)
            if item is None:
                continue
            compiled = self.ruleset.compiled[item.value]
            self.need(compiled.variables)
            result = _run(compiled, self.context, self.values, self.errors)
            self.values[item.id] = result
            self.context.update({item.id: to_cel(result)})

    def run(self, compiled: Any) -> Any:
        self.need(compiled.variables)
        return _run(compiled, self.context, self.values, self.errors)

    def holds(self, compiled: Any) -> Any:
        """The value of a condition, or False as soon as a guard fails."""
        self.need({g.name for g in compiled.guards})
        if compiled.cannot_hold(self.values):
            return False
        return self.run(compiled)


def evaluate(
    answers: Mapping[str, Any], as_of: date, ruleset: Ruleset, *, eager: bool = False
) -> Assessment:
    """Judge `answers` on the day `as_of` under `ruleset`.

    `eager` computes every derived value even if no outcome reads it (the rule
    tests use it, so a broken formula is found even where no case reaches it).
    """
    _, counted, context = _walk_questions(answers, ruleset, as_of)
    citizenship = counted.get("citizenship")
    values = _question_values(ruleset, counted, as_of)
    parameters = ruleset.parameter_values(
        as_of, citizenship if isinstance(citizenship, str) else None
    )
    values.update(parameters)
    context.update({name: to_cel(value) for name, value in parameters.items()})
    state = _Values(ruleset, context, values)
    if eager:
        state.need(set(state.pending))

    fired: list[FiredOutcome] = []
    deadlines: list[DeadlineDate] = []
    for outcome in ruleset.outcomes:
        if outcome.valid_from is not None and as_of < outcome.valid_from:
            continue
        if outcome.valid_until is not None and as_of > outcome.valid_until:
            continue
        reasons = _reasons(outcome, ruleset, state)
        if reasons is None:
            continue
        used = _questions_read(ruleset, [r for reason in reasons for r in reason.reads])
        fired.append(FiredOutcome(outcome, tuple(reasons), used))
        state.need(ruleset.text_names(outcome.id))
        for deadline in outcome.deadlines:
            when = state.run(ruleset.compiled[deadline.date])
            if isinstance(when, date):
                deadlines.append(
                    DeadlineDate(
                        deadline.id,
                        when,
                        outcome.id,
                        tuple(sorted(set(deadline.remind_days_before), reverse=True)),
                    )
                )

    statuses = {o.status for o in fired if o.status != "info"}
    status = next((s for s in SEVERITY if s in statuses), "unclear")
    deadlines.sort(key=lambda d: (d.date, d.id))
    return Assessment(
        status=status,
        outcomes=tuple(fired),
        deadlines=tuple(deadlines),
        as_of=as_of,
        ruleset_version=ruleset.version,
        ruleset_fingerprint=ruleset.fingerprint,
        answers=counted,
        values=values,
        errors=tuple(state.errors),
    )


def _run(
    compiled: Any, context: Any, values: Mapping[str, Any], errors: list[EvaluationError]
) -> Any:
    try:
        return compiled.run(context)
    except Exception as error:  # CEL type errors, errors from our functions
        # An unknown input is expected (the answer is missing or "unknown");
        # a failure with every input known is a bug in the rules.
        if all(_known(values.get(name)) for name in compiled.variables):
            errors.append(EvaluationError(compiled.source, str(error).splitlines()[0]))
        return None


def _known(value: Any) -> bool:
    """Whether a value is a real answer, not missing and not an option such as
    "unknown" or "none" given to a date or number question."""
    if value is None:
        return False
    return not (isinstance(value, str) and value in ("unknown", "none"))


def _reasons(outcome: Outcome, ruleset: Ruleset, state: _Values) -> list[Reason] | None:
    reasons: list[Reason] = []
    for clause in outcome.when:
        compiled = ruleset.compiled[clause.check]
        result = state.holds(compiled)
        if result is not True:
            if result is not None and not isinstance(result, bool):
                state.errors.append(
                    EvaluationError(clause.check, f"condition gave {result!r}, not true/false")
                )
            return None
        reasons.append(Reason(clause, tuple(sorted(compiled.variables))))
    return reasons


def _questions_read(ruleset: Ruleset, names: list[str]) -> tuple[str, ...]:
    derived = {d.id: d for d in ruleset.derived}
    found: list[str] = []
    pending = list(names)
    seen: set[str] = set()
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if name in derived:
            pending.extend(sorted(ruleset.compiled[derived[name].value].variables))
        elif ruleset.has_question(name):
            found.append(name)
    order = {q.id: i for i, q in enumerate(ruleset.questions)}
    return tuple(sorted(found, key=order.__getitem__))
