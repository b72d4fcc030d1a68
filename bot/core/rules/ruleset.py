"""The loaded, checked ruleset: what the engine and the interview run on."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from string import Formatter
from typing import Any, TypeVar, cast

from .dates import WorkingCalendar
from .expressions import Compiled
from .model import (
    LOCALES,
    Contact,
    Derived,
    Outcome,
    Parameter,
    ParamValue,
    Question,
    RulesetHeader,
    RuleTest,
    Source,
    Text,
)
from .plan import EvaluationPlan

T = TypeVar("T")


@dataclass(frozen=True)
class LocatedTest:
    """A rule test case and where it is written, for `file:line` reports."""

    file: str
    line: int
    case: RuleTest


@dataclass(frozen=True)
class Ruleset:
    """Everything in `rules/`, validated, cross-checked and compiled.

    Immutable: a reload builds a new Ruleset and swaps it in whole.
    """

    header: RulesetHeader
    questions: tuple[Question, ...]
    derived: tuple[Derived, ...]
    """In dependency order: each may read only those before it."""
    outcomes: tuple[Outcome, ...]
    parameters: Mapping[str, Parameter]
    calendar: WorkingCalendar
    sources: Mapping[str, Source]
    contacts: Mapping[str, Contact]
    compiled: Mapping[str, Compiled]
    functions: Mapping[str, Callable[..., Any]]
    needed_questions: frozenset[str]
    """Questions some outcome needs (directly, through a derived value or an ask_if)."""
    fingerprint: str
    tests: tuple[LocatedTest, ...] = ()
    directory: str = ""
    written_at: Mapping[str, tuple[str, int]] = field(default_factory=dict, repr=False)
    """Where each compiled expression is written (file, line), for reports."""
    _questions_by_id: dict[str, Question] = field(default_factory=dict, repr=False)
    _text_names: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _deadline_notes: dict[tuple[str, str], list[Text]] = field(default_factory=dict, repr=False)
    _option_values: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _option_conditions: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _option_sets: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _option_texts: dict[tuple[str, str, str], str] = field(default_factory=dict, repr=False)
    plan: EvaluationPlan = field(init=False, repr=False, compare=False)
    """What the engine precomputes from the rules (see `plan.py`)."""
    _prepared: dict[Hashable, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._questions_by_id.update({q.id: q for q in self.questions})
        self._option_values.update({q.id: tuple(_option_values(q)) for q in self.questions})
        self._option_conditions.update({q.id: _option_conditions(q) for q in self.questions})
        for question in self.questions:
            for value in self._option_values[question.id]:
                label = self._label(question, value)
                if label is not None:
                    for locale in LOCALES:
                        self._option_texts[(question.id, value, locale)] = label.get(locale)
        self._option_sets.update(
            {
                q.id: frozenset(v)
                for q, v in zip(self.questions, self._option_values.values(), strict=True)
            }
        )
        for outcome in self.outcomes:
            for written in outcome.deadlines:
                if written.note is not None:
                    key = (outcome.id, written.id)
                    self._deadline_notes.setdefault(key, []).append(written.note)
            texts = [outcome.title, outcome.legal_basis, *(c.because for c in outcome.when)]
            texts += [d.note for d in outcome.deadlines if d.note is not None]
            if outcome.uncertain is not None:
                texts.append(outcome.uncertain)
            templates = [t.get(locale) for t in texts for locale in LOCALES]
            templates += [step for locale in LOCALES for step in outcome.steps.get(locale)]
            self._text_names[outcome.id] = frozenset(
                name
                for template in templates
                for _, name, _, _ in Formatter().parse(template)
                if name
            )
        object.__setattr__(self, "plan", EvaluationPlan(self))

    def prepared(self, key: Hashable, make: Callable[[], T]) -> T:
        """What `make` works out from this ruleset alone (one locale's texts, say), made
        once per `key` and kept with the ruleset.

        Why: a result page words the same titles, sources and labels for everyone who
        reads it in that language; `make` must read nothing but the ruleset and `key`
        (never a person's answers), so a table here is never personal. Two threads may
        both make one at first; either table is the same.
        """
        found = self._prepared.get(key, _UNMADE)
        if found is _UNMADE:
            found = self._prepared[key] = make()
        return cast(T, found)

    def text_names(self, outcome_id: str) -> frozenset[str]:
        """The `{names}` an outcome's texts show: computed when the outcome fires."""
        return self._text_names.get(outcome_id, frozenset())

    def deadline_notes(self, outcome_id: str, deadline_id: str) -> Sequence[Text]:
        """The notes the rules wrote for one deadline of one outcome, in rules order."""
        return self._deadline_notes.get((outcome_id, deadline_id), ())

    @property
    def version(self) -> str:
        return self.header.version

    def question(self, question_id: str) -> Question:
        return self._questions_by_id[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._questions_by_id

    def option_values(self, question: Question) -> list[str]:
        """All values a question accepts as a button (yes/no are implied for yes_no)."""
        known = self._option_values.get(question.id)
        if known is None or self._questions_by_id.get(question.id) is not question:
            return _option_values(question)  # a question not of this ruleset (a copy)
        return list(known)

    def is_option(self, question: Question, value: str) -> bool:
        """Whether `value` is one of `option_values(question)` (without copying them)."""
        known = self._option_sets.get(question.id)
        if known is None or self._questions_by_id.get(question.id) is not question:
            return value in _option_values(question)
        return value in known

    def option_conditions(self, question: Question) -> Mapping[str, str]:
        """Each option's `only_if` (option value → its source), for the options that have
        one; read only."""
        known = self._option_conditions.get(question.id)
        if known is None or self._questions_by_id.get(question.id) is not question:
            return _option_conditions(question)  # a question not of this ruleset (a copy)
        return known

    def option_label(self, question: Question, value: str) -> Text:
        label = self._label(question, value)
        if label is None:
            raise KeyError(value)
        return label

    def option_text(self, question_id: str, value: str, locale: str) -> str | None:
        """`option_label(...).get(locale)` of an option of this ruleset's question, looked
        up (a result names 30-40 answers); None when `value` is not one of its options."""
        return self._option_texts.get((question_id, value, locale))

    def _label(self, question: Question, value: str) -> Text | None:
        for option in question.options:
            if option.value == value and option.label is not None:
                return option.label
        return self.header.labels.get(value)

    def parameter_values(self, as_of: date, citizenship: str | None) -> dict[str, ParamValue]:
        """Every parameter's value in force on `as_of` for this citizenship.

        Before a parameter's first period it has no value (None), which makes the
        expressions reading it null rather than silently using a later value.
        """
        values: dict[str, ParamValue] = {}
        for name, parameter in self.parameters.items():
            period = None
            for candidate in parameter.history:
                if candidate.since <= as_of:
                    period = candidate
            if period is None:
                values[name] = None  # type: ignore[assignment]
            elif citizenship is not None and citizenship in period.by_citizenship:
                values[name] = period.by_citizenship[citizenship]
            else:
                values[name] = period.value
        return values


_UNMADE = object()


def _option_conditions(question: Question) -> dict[str, str]:
    return {o.value: o.only_if for o in question.options if o.only_if is not None}


def _option_values(question: Question) -> list[str]:
    implied = ["yes", "no"] if question.type == "yes_no" else []
    return implied + [o.value for o in question.options if o.value not in implied]
