"""The engine's shortcuts give exactly what running every expression in CEL gives.

`evaluate` skips work it can prove useless (see `bot/core/rules/plan.py`): outcomes
ruled out by an answer (the outcome index), CEL runs decided by guards alone, chains
of date functions on an unknown date, and `is_date` as a Python call. Each test
compares a shortcut with the plain way on many inputs.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import cel
import pytest

from bot.core.interview import next_question
from bot.core.rules import Ruleset, evaluate
from bot.core.rules.dates import WorkingCalendar
from bot.core.rules.expressions import (
    DATE_PROBE,
    DATE_PROBE_VALUE,
    compile_expression,
    date_functions,
    null_chain_start,
    to_cel,
)


def _random_answer_sets(
    ruleset: Ruleset, count: int, seed: int
) -> list[tuple[dict[str, Any], date]]:
    """Walks of the questionnaire with random answers, some stopped early, some with a
    stray answer afterwards (an answer to a question no longer asked)."""
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        day = date(2025, 3, 5) + timedelta(days=rng.randrange(-700, 700))
        answers: dict[str, Any] = {}
        while (question := next_question(answers, ruleset, day)) is not None:
            options = ruleset.option_values(question)
            if question.type == "date" and (not options or rng.random() < 0.8):
                value = (day + timedelta(days=rng.randrange(-700, 300))).isoformat()
            elif question.type == "integer" and (not options or rng.random() < 0.8):
                value = str(rng.randrange(0, 200))
            else:
                value = rng.choice(options)
            answers[question.id] = value
            if rng.random() < 0.04:
                break
        if answers and rng.random() < 0.3:
            answers[rng.choice(sorted(answers))] = rng.choice(["yes", "no", "unknown", "none"])
        sets.append((answers, day))
    return sets


def test_the_outcome_index_never_skips_an_outcome_that_would_fire(
    shipped_ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = _random_answer_sets(shipped_ruleset, 600, seed=11)
    indexed = [evaluate(answers, day, shipped_ruleset) for answers, day in sets]
    plan = shipped_ruleset.plan
    monkeypatch.setattr(plan, "candidates", lambda answers: list(plan.outcomes))
    every_outcome = [evaluate(answers, day, shipped_ruleset) for answers, day in sets]
    assert indexed == every_outcome  # statuses, outcomes, reasons, deadlines, values, errors
    assert len({a.status for a in indexed}) >= 4


def test_lazy_and_eager_show_the_same_results_and_eager_shows_every_derived_value(
    shipped_ruleset: Ruleset,
) -> None:
    derived = {d.id for d in shipped_ruleset.derived}
    for answers, day in _random_answer_sets(shipped_ruleset, 200, seed=12):
        lazy = evaluate(answers, day, shipped_ruleset)
        eager = evaluate(answers, day, shipped_ruleset, eager=True)
        assert (lazy.status, lazy.outcomes, lazy.deadlines) == (
            eager.status,
            eager.outcomes,
            eager.deadlines,
        )
        assert derived <= set(eager.values)
        assert {k: v for k, v in eager.values.items() if k in lazy.values} == lazy.values


def _cel(source: str, values: dict[str, Any]) -> Any:
    context = cel.Context(
        {DATE_PROBE: DATE_PROBE_VALUE, **{k: to_cel(v) for k, v in values.items()}},
        date_functions(WorkingCalendar()),
    )
    return cel.compile(source).execute(context)


SAMPLE_VALUES = [None, "x", "y", "unknown", date(2025, 1, 1), True, False, 5]


@pytest.mark.parametrize(
    "source",
    [
        "a == 'x' && b != 'y' && is_date(c)",
        "a in ['x', 'y'] && b",
        "!a && b == 'x'",
        "a != 'x'",
        "is_date(a) && a == 'x'",
    ],
)
def test_a_guard_verdict_agrees_with_cel(source: str) -> None:
    compiled = compile_expression(source, frozenset("abc"))
    assert compiled.only_guards
    rng = random.Random(source)
    for _ in range(300):
        values = {name: rng.choice(SAMPLE_VALUES) for name in "abc"}
        verdict = compiled.guard_verdict(values)
        if verdict is True:
            assert _cel(source, values) is True, values
        elif verdict is False:
            try:
                result = _cel(source, values)
            except Exception:  # CEL fails (TypeError): not true either
                result = None
            assert result is not True, values


@pytest.mark.parametrize(
    "source",
    [
        "a == 'x' && (b == 'y' || c)",
        "(a == 'x' || b != 'y') && is_date(c)",
        "a == 'x' || b in ['x', 'unknown']",
        "a == 'x' || b == 'y' && c",
        "(a == 'x') && (b) && !c",
        "a != 'x' && (b == 'y' || c == 'x') && is_date(c) && (a == 'y' || (b && c))",
        "!(a in ['x']) && (b == 'x' || is_date(c))",
        "a == 'x' && b > 1 || c",
        "(a == 'x') == (b == 'y') && c",
        "a == 'x&&y' && (b == 'a||b' || c)",
        "a == 'x' && (b == 'y' || (c == 'x' && is_date(a) && a < b))",
        "(a == 'x' || (b && c != 'y')) && !(b == 'x')",
        "a in ['x', 'y'] && b || c == 'x' && !a",
        "!(a in ['x', 'unknown']) && !(b == 'y')",
        "!(a != 'x') || !(c in [])",
    ],
)
def test_a_truth_verdict_agrees_with_cel(source: str) -> None:
    """A question's ask_if decided without CEL says what CEL says: true is true, and
    not true is false or an error (both mean "not asked")."""
    compiled = compile_expression(source, frozenset("abc"))
    rng = random.Random(source)
    for _ in range(400):
        values = {name: rng.choice(SAMPLE_VALUES) for name in "abc"}
        verdict = compiled.truth_verdict(values)
        try:
            result = _cel(source, values)
        except Exception:  # CEL fails (TypeError): not true
            result = None
        if verdict is not None:
            assert verdict is (result is True), values


def test_every_shipped_ask_if_is_split_for_the_walk(shipped_ruleset: Ruleset) -> None:
    for question in shipped_ruleset.questions:
        if question.ask_if is not None:
            assert shipped_ruleset.compiled[question.ask_if].truth is not None, question.id


def test_guards_with_anything_else_leave_the_decision_to_cel() -> None:
    assert not compile_expression("a == 'x' && b > 1", frozenset("ab")).only_guards
    assert not compile_expression("a == 'x' || b == 'y'", frozenset("ab")).only_guards
    assert (
        compile_expression("a == 'x' && b > 1", frozenset("ab")).guard_verdict({"a": "x", "b": 2})
        is None
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2025, 1, 1), True), ("unknown", False), ("none", False), (None, False), (7, False)],
)
def test_is_date_runs_inside_cel_for_answered_unknown_and_missing_dates(
    value: Any, expected: bool
) -> None:
    compiled = compile_expression("is_date(d) && true", frozenset({"d"}))
    assert compiled.source == "is_date(d) && true"  # what admins wrote, in any error
    assert "type(d)" in compiled.program.source and "is_date" not in compiled.program.source
    context = cel.Context({"d": to_cel(value), DATE_PROBE: DATE_PROBE_VALUE})  # no functions
    assert compiled.run(context) is expected


def test_is_date_in_a_string_or_on_an_expression_stays_a_function_call() -> None:
    literal = compile_expression("a == 'is_date(a)'", frozenset({"a"}))
    assert literal.program.source == "a == 'is_date(a)'"
    call = compile_expression("is_date(add_days(a, 1))", frozenset({"a"}))
    assert call.program.source == "is_date(add_days(a, 1))"
    functions = date_functions(WorkingCalendar())
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert call.run(cel.Context({"a": at, DATE_PROBE: DATE_PROBE_VALUE}, functions)) is True


def test_a_null_chain_starts_at_the_innermost_first_argument() -> None:
    assert null_chain_start("add_days(x, 1)") == "x"
    assert null_chain_start("next_working_day(add_days(x, n))") == "x"
    assert null_chain_start("stay_limit_date(x, y == null ? 0 : y, n)") == "x"
    assert null_chain_start("add_days(add_months(x, 12, 'next_month_start'), -1)") == "x"
    for not_a_chain in (
        "add_days(x, 1) == y",  # the value is a boolean
        "add_days(add_days(x, 1) + 1, 2)",  # the inner call is not the whole argument
        "add_days(f(x), 1)",
        "earliest(x, y)",  # ignores unknown arguments
        "add_days(x, 1) ? a : b",
        "add_days((x), 1)",
    ):
        assert null_chain_start(not_a_chain) is None, not_a_chain


def test_every_null_chain_in_the_shipped_rules_is_null_in_cel_for_an_unknown_start(
    shipped_ruleset: Ruleset,
) -> None:
    chains = [c for c in shipped_ruleset.compiled.values() if c.null_unless_date]
    assert len(chains) >= 8
    for compiled in chains:
        for unknown in (None, "unknown", "none"):
            values: dict[str, Any] = dict.fromkeys(compiled.variables, 3)
            values[str(compiled.null_unless_date)] = unknown
            values["as_of"] = date(2025, 3, 5)
            try:
                result = _cel(compiled.source, values)
            except Exception:  # an error is null for the engine too
                result = None
            assert result is None, compiled.source


def _random_answers(ruleset: Ruleset, rng: random.Random, as_of: date) -> dict[str, Any]:
    """Answers drawn from each question's own values, a date either side of `as_of`,
    'unknown' and a number, or left out."""
    answers: dict[str, Any] = {}
    for question in ruleset.questions:
        values: list[Any] = [*ruleset.option_values(question), "unknown", None]
        if question.type == "date":
            values += [as_of - timedelta(days=40), as_of + timedelta(days=40)]
        if question.type == "integer":
            values += [0, 45]
        value = rng.choice(values)
        if value is not None:
            answers[question.id] = value.isoformat() if isinstance(value, date) else value
    return answers


def _cel_says(ruleset: Ruleset, source: str, counted: dict[str, Any], as_of: date) -> Any:
    context = ruleset.plan.context(as_of, {k: to_cel(v) for k, v in counted.items()})
    try:
        return ruleset.compiled[source].run(context.cel)
    except Exception:
        return "error"


def test_every_shipped_ask_if_and_only_if_is_judged_as_cel_judges_it(
    shipped_ruleset: Ruleset,
) -> None:
    """The walk (guards, trees of && and ||, each guard once, CEL only when needed) asks
    exactly the questions a walk that runs CEL on every ask_if asks, and the buttons
    offered are those CEL offers, for random answers drawn from the questions' own values."""
    from bot.core.interview import offered_options
    from bot.core.rules.engine import asked_and_counted, coerce_answer

    ruleset = shipped_ruleset
    rng = random.Random(13)
    days = [date(2025, 12, 31), date(2026, 6, 15), date(2027, 1, 5)]
    for _ in range(600):
        as_of = rng.choice(days)
        answers = _random_answers(ruleset, rng, as_of)
        expected: list[str] = []
        counted: dict[str, Any] = {}
        for question, condition in ruleset.plan.walk:
            if condition is not None:
                verdict = ruleset.compiled[question.ask_if].truth_verdict(counted)
                said = _cel_says(ruleset, question.ask_if, counted, as_of)
                if verdict is not None:
                    assert verdict is (said is True), (question.id, answers)
                if said is not True:
                    continue
            expected.append(question.id)
            if question.id in answers:
                counted[question.id] = coerce_answer(answers[question.id])
        asked, walked_counted = asked_and_counted(answers, ruleset, as_of)
        assert [q.id for q in asked] == expected, answers
        assert walked_counted == counted
        for question in asked:
            conditions = ruleset.option_conditions(question)
            if not conditions:
                continue
            by_cel = [
                value
                for value in ruleset.option_values(question)
                if value not in conditions
                or any(
                    counted.get(n) is None for n in ruleset.compiled[conditions[value]].variables
                )
                or _cel_says(ruleset, conditions[value], counted, as_of) is not False
            ]
            offered = offered_options(question, answers, ruleset, as_of, counted=counted)
            assert offered == by_cel, (question.id, answers)
