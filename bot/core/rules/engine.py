"""`evaluate(answers, as_of, ruleset) -> Assessment`: the pure heart of Hamroh.

No clock, no I/O, no language: the assessment holds ids, dates and the facts
that made each outcome fire; `present.py` turns it into words in a locale. The
same answers, date and ruleset always give the same assessment, so a result can
be replayed later from `ruleset_version` and `as_of`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dates import Span
from .expressions import Compiled, judge_tree, to_cel
from .model import STATUSES, Outcome, Question
from .native import Undecided
from .plan import CelContext, EvaluationPlan, ExpressionPlan, OutcomePlan, Reason
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
    may_move_days: int | None = None
    """Up to how many days the date may move once a missing yearly decree of
    transfers is published (None: it cannot, every count it rests on is decreed)."""


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
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    preset: Mapping[str, Any] | None = None,
    earlier: tuple[int, Sequence[Question], Mapping[str, Any]] | None = None,
    *,
    need_context: bool = False,
) -> tuple[list[Question], dict[str, Any], CelContext | None]:
    """One pass over the questions in order: which are asked, which answers count.

    An `ask_if` reads only earlier questions (the loader checks), so a single
    CEL context decides every question. All answers go into it at the start, in
    one update (each update makes CEL rebuild its environment on the next run);
    an answer to a question found not asked is set back to null before any later
    `ask_if` can read it. A question no outcome needs is never asked; an `ask_if`
    that cannot be decided (it reads an unknown value) means "not asked".
    `preset` holds CEL values for the context that no `ask_if` reads (the
    parameters `evaluate` will need). `earlier`: (a position in `plan.walk`, the
    questions asked before it and their counted answers), taken from a walk of
    answers that agree with these on every question before that position; the
    walk goes on from there (see `walk_on`). Returns the asked questions, the
    counted answers and the context (reused by `evaluate`: `need_context`; else
    None when no condition needed CEL).
    """
    plan = ruleset.plan
    start, asked, counted = 0, [], {}
    if earlier is not None:
        start, prefix, prefix_counted = earlier
        asked, counted = list(prefix), dict(prefix_counted)
    walk = plan.walk if start == 0 else plan.walk[start:]
    staged: dict[str, Any] = {}
    if plan.stage_answers:
        staged = {
            question.id: coerce_answer(answers[question.id])
            for question, _ in walk
            if question.id in answers
        }

    def make_context() -> CelContext:
        values = {
            **(preset or {}),
            **{qid: to_cel(v) for qid, v in counted.items() if qid not in staged},
            **{qid: to_cel(v) for qid, v in staged.items()},
        }
        return plan.context(as_of, {**values, **dict.fromkeys(skipped)})

    skipped: list[str] = []  # answers found not to count, before the context was made
    # made when a condition needs CEL: most are decided by their guards alone, each
    # guard judged once per walk (`plan.walk_truths`)
    context = make_context() if need_context or not plan.stage_answers else None
    truths = plan.walk_truths if start == 0 else plan.walk_truths[start:]
    flats = plan.walk_flat if start == 0 else plan.walk_flat[start:]
    guards = plan.walk_guards
    known: list[bool | None] = [None] * len(guards)

    def guard_holds(index: int) -> bool:
        """Guard `index` of the walk's table, judged once per walk: every `ask_if` reads
        only earlier answers, which a walk does not change once it has passed them."""
        verdict = known[index]
        if verdict is None:
            verdict = known[index] = guards[index].holds(counted)
        return verdict

    for (question, condition), truth, flat in zip(walk, truths, flats, strict=True):
        qid = question.id
        if condition is not None:
            asked_here: bool | None
            if plan.stage_answers and flat is not None:  # guards joined by &&: no call
                asked_here = True
                for index in flat:
                    verdict = known[index]
                    if verdict is None:
                        verdict = known[index] = guards[index].holds(counted)
                    if not verdict:
                        asked_here = False
                        break
            elif plan.stage_answers:
                asked_here = judge_tree(truth, guard_holds)
            else:  # a guard may read a later answer, which may still change
                asked_here = condition.truth_verdict(counted)
            if asked_here is None:
                if context is None:
                    context = make_context()
                asked_here = _runs_true(condition, context)
            if not asked_here:
                if qid in staged:
                    if context is None:
                        skipped.append(qid)
                    else:
                        context.set({qid: None})
                continue
        asked.append(question)
        if qid in answers:
            if plan.stage_answers:
                counted[qid] = staged[qid]
            else:
                counted[qid] = coerce_answer(answers[qid])
                assert context is not None
                context.set({qid: to_cel(counted[qid])})
    return asked, counted, context


def walk_on(
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    question_id: str,
    asked: Sequence[Question],
    counted: Mapping[str, Any],
) -> tuple[list[Question], dict[str, Any]]:
    """`asked_and_counted` of `answers`, going on from `question_id` instead of the start.

    `asked` and `counted` are a walk of other answers that agree with these on every
    question before `question_id` (one answer more or changed: a tap, a stand-in). Every
    `ask_if` reads only earlier questions, so which of those are asked and what they
    count is the same for both, and only the rest is walked: an answer's next page, and
    each branch the likely length tries, cost the questions after it, not all of them.
    When some `ask_if` reads a later question, the whole walk is done.
    """
    plan = ruleset.plan
    start = plan.walk_position.get(question_id)
    if not plan.stage_answers or start is None:
        return asked_and_counted(answers, ruleset, as_of)
    position = plan.walk_position
    prefix = [q for q in asked if position[q.id] < start]
    prefix_counted = {qid: v for qid, v in counted.items() if position[qid] < start}
    walked, walked_counted, _ = _walk_questions(
        answers, ruleset, as_of, earlier=(start, prefix, prefix_counted)
    )
    return walked, walked_counted


def _runs_true(condition: Compiled, context: CelContext) -> bool:
    """Whether CEL finds `condition` true (an error, as an unknown value gives: not true)."""
    try:
        return condition.run(context.cel) is True
    except Exception:
        return False


def asked_questions(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> list[Question]:
    """The questions this person is asked, in order, given their answers."""
    return _walk_questions(answers, ruleset, as_of)[0]


def asked_and_counted(
    answers: Mapping[str, Any], ruleset: Ruleset, as_of: date
) -> tuple[list[Question], dict[str, Any]]:
    """`asked_questions` and `effective_answers` from one walk (they come from the same one)."""
    asked, counted, _ = _walk_questions(answers, ruleset, as_of)
    return asked, counted


def effective_answers(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> dict[str, Any]:
    """The answers that count: those to questions this person would be asked.

    A stored answer whose question is no longer asked (its `ask_if` became false
    after an earlier answer changed) stays in storage but does not count.
    """
    return _walk_questions(answers, ruleset, as_of)[1]


def _question_values(ruleset: Ruleset, answers: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    values: dict[str, Any] = dict(ruleset.plan.all_questions_unknown)
    values.update(answers)
    values["as_of"] = as_of
    return values


class _Values:
    """The values of one evaluation, and which of them it shows.

    A derived value is computed when something first reads it (a checked condition,
    a deadline or a fired outcome's text: `show`, which gets the names with all they
    read, dependencies first), most of them by their native programs
    (`bot.core.rules.native`), which read the values here; `evaluate(eager=True)`
    computes all of them up front. The CEL context gets the values only when a
    program needs CEL: all computed so far at once, at the first such run (a CEL run
    after a context change costs 6-8 µs, converting a date about 1 µs), and what was
    computed since at each later one. The assessment shows exactly the derived values
    that were read, with their errors: `show` moves them into `values`.
    """

    def __init__(
        self,
        plan: EvaluationPlan,
        as_of: date,
        values: dict[str, Any],
        unsent: dict[str, Any],
        cel_parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.plan = plan
        self.as_of = as_of
        self.context = plan.idle_context(as_of)
        """This thread's context for the day; it holds this evaluation's values only
        once `cel` has sent them."""
        self.trace = self.context.trace
        self.values = values
        """Shown: answers, parameters, `as_of` and the derived values read so far."""
        self.known = dict(values)
        """Everything computed, shown or not."""
        self.unsent = unsent
        """Values the context does not hold yet (converted for CEL when sent)."""
        self.cel_parameters = cel_parameters or {}
        """The parameters, converted already: sent with the first values."""
        self.sent = False
        self.errors: list[EvaluationError] = []
        self.pending: dict[str, Compiled] = dict(plan.derived)
        """Derived values not computed yet, in dependency order."""
        self.hidden: dict[str, EvaluationError | None] = {}
        """Derived values computed but not yet read, with the error computing each gave."""
        self.spans: dict[str, tuple[Span, ...]] = {}
        """The working-day counts each derived value was computed with."""

    def cel(self) -> Any:
        """The CEL context, holding every value computed so far."""
        if not self.sent or self.unsent:
            converted = {name: to_cel(value) for name, value in self.unsent.items()}
            if self.sent:
                self.context.set(converted)
            else:
                self.context = self.plan.context(self.as_of, {**self.cel_parameters, **converted})
                self.sent = True
            self.unsent = {}
        return self.context.cel

    def compute(self, compiled: Compiled, errors: list[EvaluationError]) -> Any:
        """`compiled`'s value: by its native program, or by CEL when that gives up."""
        start = compiled.null_unless_date
        if start is not None and not _known(self.known.get(start)):
            # `add_days(unknown, n)` and chains of such calls are null; so is any error
            # on the way, and with an unknown input it is not a rule bug (see `_run`).
            return None
        native = compiled.native
        if native is not None:
            spans = self.trace.spans
            counted = len(spans)
            try:
                return native(self.known, self.context.functions)
            except Undecided:
                del spans[counted:]  # CEL makes the same counts again
        return _run(compiled, self.cel(), self.known, errors)

    def derive(self, name: str, compiled: Compiled) -> EvaluationError | None:
        """Compute one derived value (all it reads is known already), keep the
        working-day counts it made; the error it gave, if any."""
        errors: list[EvaluationError] = []
        spans = self.trace.spans
        counted = len(spans)
        result = self.compute(compiled, errors)
        if len(spans) > counted:
            self.spans[name] = tuple(spans[counted:])
            del spans[counted:]
        self.known[name] = result
        self.unsent[name] = result
        return errors[0] if errors else None

    def derive_all(self, levels: tuple[tuple[tuple[str, Compiled], ...], ...]) -> None:
        """Compute every derived value now, shown or not (`evaluate(eager=True)`)."""
        pending = self.pending
        for level in levels:
            for name, compiled in level:
                if pending.pop(name, None) is not None:
                    self.hidden[name] = self.derive(name, compiled)

    def show(self, names: tuple[str, ...]) -> None:
        """Show these derived values (a closure, dependencies first), computing each
        not computed yet; a value is computed only when something reads it."""
        hidden = self.hidden
        pending = self.pending
        for name in names:
            if name in pending:
                error = self.derive(name, pending.pop(name))
            elif name in hidden:
                error = hidden.pop(name)
            else:
                continue
            self.values[name] = self.known[name]
            if error is not None:
                self.errors.append(error)

    def run(self, expression: ExpressionPlan) -> Any:
        if expression.read_derived:  # most read none: no call
            self.show(expression.read_derived)
        return self.compute(expression.compiled, self.errors)

    def run_counted(self, expression: ExpressionPlan) -> tuple[Any, tuple[Span, ...]]:
        """`run`, with the working-day counts the value rests on (its own and those of
        the derived values it reads)."""
        self.trace.take()
        value = self.run(expression)
        spans = list(self.trace.take())
        for name in expression.read_derived:
            spans.extend(self.spans.get(name, ()))
        return value, tuple(spans)

    def holds(self, expression: ExpressionPlan) -> Any:
        """The value of a condition, or False as soon as a guard fails."""
        if expression.guard_derived:
            self.show(expression.guard_derived)
        verdict = expression.compiled.guard_verdict(self.known)
        if verdict is False:
            return False
        if verdict is True:
            if expression.read_derived:
                self.show(expression.read_derived)
            return True
        return self.run(expression)


def evaluate(
    answers: Mapping[str, Any],
    as_of: date,
    ruleset: Ruleset,
    *,
    eager: bool = False,
    counted: Mapping[str, Any] | None = None,
) -> Assessment:
    """Judge `answers` on the day `as_of` under `ruleset`.

    `eager` shows every derived value even if no outcome reads it (the rule
    tests use it, so a broken formula is found even where no case reaches it).
    `counted`: `effective_answers` of `answers` on `as_of`, when the caller has them
    already (an interview state keeps its walk): the questions are not walked again.
    """
    plan = ruleset.plan
    counted = _walk_questions(answers, ruleset, as_of)[1] if counted is None else dict(counted)
    citizenship = counted.get("citizenship")
    parameters, cel_parameters = plan.parameters(
        as_of, citizenship if isinstance(citizenship, str) else None
    )
    values = _question_values(ruleset, counted, as_of)
    values.update(parameters)
    state = _Values(plan, as_of, values, dict(counted), cel_parameters)
    if eager:
        state.derive_all(plan.derived_levels)
        state.show(tuple(state.hidden))
    else:
        state.show(plan.entry_derived(as_of))

    fired: list[FiredOutcome] = []
    deadlines: list[DeadlineDate] = []
    for outcome_plan in plan.candidates(counted):
        outcome = outcome_plan.outcome
        if outcome.valid_from is not None and as_of < outcome.valid_from:
            continue
        if outcome.valid_until is not None and as_of > outcome.valid_until:
            continue
        if not _fires(outcome_plan, state):
            continue
        fired.append(FiredOutcome(outcome, outcome_plan.reasons, outcome_plan.questions_read))
        state.show(outcome_plan.text_derived)
        for deadline in outcome_plan.deadlines:
            when, spans = state.run_counted(deadline.date)
            if isinstance(when, date):
                may_move = ruleset.calendar.may_move_days(when, spans) if spans else None
                deadlines.append(
                    DeadlineDate(
                        deadline.id, when, outcome.id, deadline.remind_days_before, may_move
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
    compiled: Compiled, context: Any, values: Mapping[str, Any], errors: list[EvaluationError]
) -> Any:
    """`compiled` run by CEL; an error is null, and noted when every input was known."""
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


def _fires(outcome_plan: OutcomePlan, state: _Values) -> bool:
    """Whether every condition of the outcome holds (checked in order, stopping at
    the first that does not); a condition giving a non-boolean is a rule error."""
    for clause, expression in outcome_plan.clauses:
        result = state.holds(expression)
        if result is not True:
            if result is not None and not isinstance(result, bool):
                state.errors.append(
                    EvaluationError(clause.check, f"condition gave {result!r}, not true/false")
                )
            return False
    return True
