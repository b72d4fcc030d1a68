"""What the engine works out once per ruleset, so each evaluation only looks it up.

Re-judging every stored answer set after a rules change runs `evaluate` tens of
thousands of times on one ruleset (BENCHMARKS.md, benchmark 5). Everything here
depends on the ruleset alone, never on answers: which derived values each
expression reads (transitively, dependencies first), the reasons and questions
of each outcome, which outcomes an answer rules out at once, and the parts of a
CEL context that stay the same for a day.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import cel

from .expressions import (
    DATE_PROBE,
    DATE_PROBE_VALUE,
    Compiled,
    Guard,
    Truth,
    WorkingDayTrace,
    date_functions,
    to_cel,
)
from .model import Clause, Outcome, Question

if TYPE_CHECKING:
    from .ruleset import Ruleset

_CACHE_LIMIT = 64
"""Days (or day and citizenship pairs) kept per cache; a re-evaluation uses one."""


@dataclass(frozen=True)
class Reason:
    """A condition that held, with the values its explanation names."""

    clause: Clause
    reads: tuple[str, ...]
    """Questions, derived values and parameters the condition read."""


@dataclass(frozen=True, slots=True)
class ExpressionPlan:
    compiled: Compiled
    guard_derived: tuple[str, ...]
    """Derived values the guards read, with all they read in turn, dependencies first."""
    read_derived: tuple[str, ...]
    """Derived values the whole expression reads, likewise."""


@dataclass(frozen=True, slots=True)
class DeadlinePlan:
    id: str
    date: ExpressionPlan
    remind_days_before: tuple[int, ...]
    """Distinct, largest first."""


@dataclass(frozen=True, slots=True)
class OutcomePlan:
    outcome: Outcome
    clauses: tuple[tuple[Clause, ExpressionPlan], ...]
    """Its conditions in order, each without the derived values `entry_derived` shows
    before any outcome is checked (those its first condition's guards read): checking
    a condition does not look at them again."""
    reasons: tuple[Reason, ...]
    """The reasons when the outcome fires: every clause holds, each reads fixed names."""
    questions_read: tuple[str, ...]
    """Questions the outcome depends on, directly or through derived values, in order."""
    text_derived: tuple[str, ...]
    """Derived values its texts show (computed when it fires, for the explanation)."""
    deadlines: tuple[DeadlinePlan, ...]
    key: tuple[str, frozenset[str]] | None
    """(question, values): the outcome can fire only if that question's counted answer
    is one of these values (a `question == 'v'` or `question in [...]` guard of its
    first condition). None when there is no such guard."""


WalkTruth = int | tuple[str, tuple["WalkTruth", ...]] | None
"""A `Truth` whose guards are indices into `EvaluationPlan.walk_guards`."""


def _without(plan: ExpressionPlan, shown: set[str]) -> ExpressionPlan:
    """`plan` without the derived values in `shown` among those it shows first."""
    guard_derived = tuple(n for n in plan.guard_derived if n not in shown)
    read_derived = tuple(n for n in plan.read_derived if n not in shown)
    if (guard_derived, read_derived) == (plan.guard_derived, plan.read_derived):
        return plan
    return ExpressionPlan(plan.compiled, guard_derived, read_derived)


def _interned(truth: Truth, guards: dict[Guard, int]) -> WalkTruth:
    if truth is None:
        return None
    if isinstance(truth, Guard):
        return guards.setdefault(truth, len(guards))
    kind, parts = truth
    return (kind, tuple(_interned(part, guards) for part in parts))


def _flat(truth: WalkTruth) -> tuple[int, ...] | None:
    if isinstance(truth, int):
        return (truth,)
    if truth is not None and truth[0] == "all" and all(isinstance(p, int) for p in truth[1]):
        return tuple(p for p in truth[1] if isinstance(p, int))
    return None


class EvaluationPlan:
    """Lookups for `engine.evaluate`, built once when a ruleset is constructed."""

    def __init__(self, ruleset: Ruleset) -> None:
        compiled = ruleset.compiled
        self._derived_reads = {d.id: compiled[d.value].variables for d in ruleset.derived}
        self._derived_order = tuple(d.id for d in ruleset.derived)
        self.question_ids = tuple(q.id for q in ruleset.questions)
        self.expressions: dict[str, ExpressionPlan] = {
            source: ExpressionPlan(
                item,
                self.derived_closure(item.guard_names),
                self.derived_closure(item.variables),
            )
            for source, item in compiled.items()
        }
        self.derived_levels = self._levels(ruleset)
        self.derived: dict[str, Compiled] = {
            name: item for level in self.derived_levels for name, item in level
        }
        """Every derived value's expression, in dependency order."""
        question_ids = {q.id for q in ruleset.questions}
        self.outcomes = tuple(self._outcome(o, ruleset, question_ids) for o in ruleset.outcomes)
        unkeyed: list[int] = []
        keyed: dict[str, dict[str, list[int]]] = {}
        for index, outcome_plan in enumerate(self.outcomes):
            if outcome_plan.key is None:
                unkeyed.append(index)
                continue
            key_question, literals = outcome_plan.key
            for literal in literals:
                keyed.setdefault(key_question, {}).setdefault(literal, []).append(index)
        self._unkeyed = tuple(unkeyed)
        self._keyed = {q: {v: tuple(ix) for v, ix in by.items()} for q, by in keyed.items()}
        self._entry_derived = self.derived_closure(
            name
            for outcome_plan in self.outcomes
            if outcome_plan.clauses
            for name in outcome_plan.clauses[0][1].compiled.guard_names
        )
        self._windowed = any(
            o.valid_from is not None or o.valid_until is not None for o in ruleset.outcomes
        )

        self.walk: tuple[tuple[Question, Compiled | None], ...] = tuple(
            (q, None if q.ask_if is None else compiled[q.ask_if])
            for q in ruleset.questions
            if q.id in ruleset.needed_questions
        )
        self.walk_position: dict[str, int] = {q.id: i for i, (q, _) in enumerate(self.walk)}
        """A question's place in `walk` (questions no outcome needs are not there)."""
        guards: dict[Guard, int] = {}
        self.walk_truths: tuple[WalkTruth, ...] = tuple(
            None if condition is None else _interned(condition.truth, guards)
            for _, condition in self.walk
        )
        """Each `ask_if` of `walk` as its `Truth`, a guard given as its index in
        `walk_guards`: the same guard (``in_russia == 'yes'`` is in most of them) is
        judged once per walk."""
        self.walk_guards: tuple[Guard, ...] = tuple(guards)
        self.walk_flat: tuple[tuple[int, ...] | None, ...] = tuple(
            _flat(truth) for truth in self.walk_truths
        )
        """A `walk_truths` entry that is only guards joined by `&&` (most are), as the
        tuple of their indices, which the walk checks in a loop of its own."""
        earlier: set[str] = {"as_of"}
        self.stage_answers = True
        """Every ask_if reads only earlier questions (the loader checks): then all answers
        can go into the context at once, and one skipped is reset to null."""
        for question in ruleset.questions:
            if question.ask_if is not None and not compiled[question.ask_if].variables <= earlier:
                self.stage_answers = False
            earlier.add(question.id)
        self.all_questions_unknown: dict[str, Any] = dict.fromkeys(self.question_ids)
        self._functions = dict(ruleset.functions)
        self._calendar = ruleset.calendar
        self._parameter_values: Callable[[date, str | None], dict[str, Any]] = (
            ruleset.parameter_values
        )
        self._local = threading.local()
        self._entry_derived_by_day: dict[date, tuple[str, ...]] = {}
        self._parameters: dict[tuple[date, str | None], tuple[dict[str, Any], dict[str, Any]]]
        self._parameters = {}
        self.citizenships_told_apart: tuple[str, ...] = tuple(
            sorted(
                {
                    citizenship
                    for parameter in ruleset.parameters.values()
                    for period in parameter.history
                    for citizenship in period.by_citizenship
                }
            )
        )
        """The citizenships some parameter has its own value for; every other one (and
        none) gets the general values."""

    # -- per ruleset ------------------------------------------------------------

    def derived_closure(self, names: Iterable[str]) -> tuple[str, ...]:
        """The derived values among `names` and all derived values they read, in
        dependency order, so computing them in this order never meets a missing one."""
        found: set[str] = set()
        pending = [n for n in names if n in self._derived_reads]
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                pending.extend(n for n in self._derived_reads[name] if n in self._derived_reads)
        return tuple(n for n in self._derived_order if n in found)

    def questions_read(self, names: Iterable[str]) -> tuple[str, ...]:
        """Questions among `names` and among what the derived values in `names` read
        (transitively), in questionnaire order."""
        names = list(names)
        reads = set(names)
        for name in self.derived_closure(names):
            reads |= self._derived_reads[name]
        return tuple(q for q in self.question_ids if q in reads)

    def _levels(self, ruleset: Ruleset) -> tuple[tuple[tuple[str, Compiled], ...], ...]:
        """Derived values grouped so each group reads only earlier groups.

        A CEL context rebuilds its whole environment on the first run after any
        change (about 0.1 µs per variable, 6-8 µs here), so values are computed a
        group at a time and stored with one update per group.
        """
        depth: dict[str, int] = {}
        for item in ruleset.derived:  # dependency order
            reads = self._derived_reads[item.id]
            depth[item.id] = 1 + max((depth[n] for n in reads if n in depth), default=-1)
        levels: list[list[tuple[str, Compiled]]] = [[] for _ in set(depth.values())]
        for item in ruleset.derived:
            levels[depth[item.id]].append((item.id, ruleset.compiled[item.value]))
        return tuple(tuple(level) for level in levels)

    def _outcome(self, outcome: Outcome, ruleset: Ruleset, questions: set[str]) -> OutcomePlan:
        clauses = tuple((c, self.expressions[c.check]) for c in outcome.when)
        if clauses:  # what checking its first condition's guards reads is shown before
            entered = set(self.derived_closure(clauses[0][1].compiled.guard_names))
            clauses = tuple((c, _without(plan, entered)) for c, plan in clauses)
        reasons = tuple(Reason(c, plan.compiled.reads) for c, plan in clauses)
        key: tuple[str, frozenset[str]] | None = None
        if clauses:
            candidates = [
                guard
                for guard in clauses[0][1].compiled.guards
                if guard.kind == "literal" and not guard.negated and guard.name in questions
            ]
            if candidates:
                best = min(candidates, key=lambda g: len(g.literals))
                key = (best.name, best.literals)
        return OutcomePlan(
            outcome=outcome,
            clauses=clauses,
            reasons=reasons,
            questions_read=self.questions_read(n for r in reasons for n in r.reads),
            text_derived=self.derived_closure(ruleset.text_names(outcome.id)),
            deadlines=tuple(
                DeadlinePlan(
                    d.id,
                    self.expressions[d.date],
                    tuple(sorted(set(d.remind_days_before), reverse=True)),
                )
                for d in outcome.deadlines
            ),
            key=key,
        )

    # -- per evaluation -----------------------------------------------------------

    def candidates(self, answers: Mapping[str, Any]) -> list[OutcomePlan]:
        """The outcomes that may fire given the counted answers, in ruleset order.

        An outcome left out has a first condition with a guard such as
        `document == 'patent'` that the answer fails, so it could not fire.
        """
        indices = list(self._unkeyed)
        for question, by_value in self._keyed.items():
            answer = answers.get(question)
            if isinstance(answer, str):
                indices.extend(by_value.get(answer, ()))
        indices.sort()
        return [self.outcomes[i] for i in indices]

    def entry_derived(self, as_of: date) -> tuple[str, ...]:
        """Derived values read by the guards of the first condition of every outcome
        in force on `as_of`: checking any outcome computes them, fired or not."""
        if not self._windowed:
            return self._entry_derived
        found = self._entry_derived_by_day.get(as_of)
        if found is None:
            if len(self._entry_derived_by_day) >= _CACHE_LIMIT:
                self._entry_derived_by_day.clear()
            found = self.derived_closure(
                name
                for outcome_plan in self.outcomes
                if outcome_plan.clauses and in_force(outcome_plan.outcome, as_of)
                for name in outcome_plan.clauses[0][1].compiled.guard_names
            )
            self._entry_derived_by_day[as_of] = found
        return found

    def parameters(
        self, as_of: date, citizenship: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """`Ruleset.parameter_values` and the same converted for CEL, cached; read only.

        Why a day's values are made for every citizenship at once: a table filled as
        people are judged would say which citizenships were judged today (the web keeps
        nothing about its visitors, not even that). A citizenship no parameter tells
        apart shares the general values, so the table holds at most a few per day.
        """
        told_apart = self.citizenships_told_apart
        key = (as_of, citizenship if citizenship in told_apart else None)
        found = self._parameters.get(key)
        if found is None:
            if len(self._parameters) >= _CACHE_LIMIT:
                self._parameters.clear()
            for each in (None, *told_apart):
                values = self._parameter_values(as_of, each)
                self._parameters[(as_of, each)] = (
                    values,
                    {name: to_cel(value) for name, value in values.items()},
                )
            found = self._parameters[key]
        return found

    def parameter_days(self) -> dict[date, tuple[str | None, ...]]:
        """Which citizenships' values are kept for each day (tests check there is never a
        subset: a day is made for all of them at once)."""
        days: dict[date, tuple[str | None, ...]] = {}
        for day, citizenship in self._parameters:
            days[day] = (*days.get(day, ()), citizenship)
        return days

    def forget_person(self) -> None:
        """Put this thread's CEL contexts back to no answers, no derived values and no
        parameters, and drop their working-day traces.

        Why: a context keeps the values of the last evaluation on its day so that the
        next one converts only what changed; that is the last person's answers, kept in
        memory after their request. The web, which keeps nothing about a person, calls
        this when each request ends (the next evaluation converts its values again).
        """
        contexts: dict[date, CelContext] | None = getattr(self._local, "contexts", None)
        for context in (contexts or {}).values():
            context.forget()

    def held_values(self) -> dict[str, Any]:
        """The values this thread's contexts hold besides `as_of` and the date probe
        that are not null (tests check the web leaves none)."""
        contexts: dict[date, CelContext] | None = getattr(self._local, "contexts", None)
        return {
            name: value
            for context in (contexts or {}).values()
            for name, value in context.held().items()
            if value is not None and name not in ("as_of", DATE_PROBE)
        }

    def context(self, as_of: date, values: Mapping[str, Any]) -> CelContext:
        """This thread's CEL context for `as_of`, holding `values` (CEL values), every
        other question null, `as_of`, the date probe and our functions.

        Kept between evaluations (per thread: a context is not thread-safe):
        building one costs 20-40 µs, mostly converting each variable, and only the
        values that changed since the last evaluation on this day are converted
        again. Derived values and parameters left from that evaluation are never
        read before `evaluate` sets them: an `ask_if` reads only earlier questions.
        """
        context = self.idle_context(as_of)
        try:
            context.set({**self.all_questions_unknown, **values})
        except Exception:
            del self._local.contexts[as_of]
            raise
        return context

    def idle_context(self, as_of: date) -> CelContext:
        """This thread's CEL context for `as_of` as it is, its values not set (see
        `context`): for its functions and working-day trace, which a native program
        (`bot.core.rules.native`) calls and fills without CEL."""
        contexts: dict[date, CelContext] | None = getattr(self._local, "contexts", None)
        if contexts is None:
            contexts = self._local.contexts = {}
        context = contexts.get(as_of)
        if context is None:
            if len(contexts) >= _CACHE_LIMIT:
                contexts.clear()
            base = {**self.all_questions_unknown, "as_of": to_cel(as_of)}
            base[DATE_PROBE] = DATE_PROBE_VALUE
            trace = WorkingDayTrace()
            functions = {**self._functions, **date_functions(self._calendar, trace)}
            context = contexts[as_of] = CelContext(base, functions, trace)
        return context


class CelContext:
    """A `cel.Context` that converts and stores only values that changed.

    Each change makes CEL rebuild its environment on the next run (about 0.1 µs
    per variable), and converting a string or a date costs about 1 µs, so
    `set` compares with what the context already holds and updates in one call.
    """

    __slots__ = ("_base", "_held", "_since_made", "cel", "functions", "trace")

    def __init__(
        self,
        values: dict[str, Any],
        functions: Mapping[str, Callable[..., Any]],
        trace: WorkingDayTrace | None = None,
    ) -> None:
        self.functions: Mapping[str, Callable[..., Any]] = {
            name: getattr(function, "__wrapped__", function) for name, function in functions.items()
        }
        """The functions CEL calls here, bound to `trace`, as native programs call them: a
        date function gives a date itself, not the CEL timestamp its wrapper makes."""
        self.cel = cel.Context(values, dict(functions))
        self._held = dict(values)
        self._base = dict(values)
        self._since_made = False
        """Whether `set` changed anything since it was made or last forgot."""
        self.trace = trace if trace is not None else WorkingDayTrace()
        """Working-day counts made by runs in this context (see `WorkingDayTrace`)."""

    def set(self, values: Mapping[str, Any]) -> None:
        held = self._held
        changed = {
            name: value
            for name, value in values.items()
            if not _same(held.get(name, _MISSING), value)
        }
        if changed:
            self.cel.update(changed)
            held.update(changed)
            self._since_made = True

    def forget(self) -> None:
        """Back to the values it was made with: every other name it holds is null."""
        if self._since_made:
            self.set({**dict.fromkeys(self._held), **self._base})
            self._since_made = False
        self.trace.spans.clear()

    def held(self) -> Mapping[str, Any]:
        """What the context holds now, by name (read only)."""
        return self._held


_MISSING = object()


def _same(held: Any, value: Any) -> bool:
    """Whether CEL already holds `value` (the type too: CEL tells 1 from true)."""
    return held is value or (type(held) is type(value) and held == value)


def in_force(outcome: Outcome, as_of: date) -> bool:
    if outcome.valid_from is not None and as_of < outcome.valid_from:
        return False
    return outcome.valid_until is None or as_of <= outcome.valid_until
