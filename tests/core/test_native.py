"""Native programs (`bot.core.rules.native`) give what CEL gives, or give up.

Each check runs the same expression both ways on the same values: whenever the native
program decides, CEL must give the same value without an error, and the same
working-day counts (the trace a deadline's "may move" rests on). The engine with
native programs must judge every answer set exactly as the engine with CEL alone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from bot.core.rules import Ruleset, engine, evaluate
from bot.core.rules._cel import cel
from bot.core.rules.dates import WorkingCalendar
from bot.core.rules.expressions import (
    DATE_PROBE,
    DATE_PROBE_VALUE,
    FUNCTION_NAMES,
    Compiled,
    WorkingDayTrace,
    compile_expression,
    date_functions,
    to_cel,
)
from bot.core.rules.native import Undecided, compile_native

AS_OF = date(2026, 6, 15)
BIG = 2**62
POOL: list[Any] = [
    None, "x", "y", "unknown", "none", "yes", "no", True, False, 0, 1, 5, -3, 30, BIG,
    -BIG, AS_OF, AS_OF - timedelta(days=40), AS_OF + timedelta(days=40), date(2026, 1, 1),
]  # fmt: skip


def _both(
    compiled: Compiled, values: dict[str, Any], calendar: WorkingCalendar
) -> tuple[Any, tuple[Any, ...], Any, tuple[Any, ...]]:
    """(native value or Undecided, its counts, CEL value or the exception, its counts)."""
    assert compiled.native is not None
    native_trace, cel_trace = WorkingDayTrace(), WorkingDayTrace()
    try:
        native: Any = compiled.native(values, date_functions(calendar, native_trace))
    except Undecided:
        native = Undecided
    context = cel.Context(
        {DATE_PROBE: DATE_PROBE_VALUE, **{k: to_cel(v) for k, v in values.items()}},
        date_functions(calendar, cel_trace),
    )
    try:
        said: Any = compiled.run(context)
    except Exception as error:
        said = error
    return native, native_trace.take(), said, cel_trace.take()


def _agrees(compiled: Compiled, values: dict[str, Any], calendar: WorkingCalendar) -> bool:
    """Asserts agreement; True when the native program decided."""
    native, native_spans, said, cel_spans = _both(compiled, values, calendar)
    if native is Undecided:
        return False
    assert not isinstance(said, Exception), (compiled.source, values, native, said)
    assert type(native) is type(said) and native == said, (compiled.source, values, native, said)
    assert native_spans == cel_spans, (compiled.source, values)
    return True


@pytest.mark.parametrize(
    "source",
    [
        "a == b",
        "a != b",
        "a == 'x' || b == 'y' && c",
        "a && b || !c",
        "a < b",
        "a <= b && b >= c",
        "a > b || a == null",
        "a in ['x', 'unknown', 1, true]",
        "a in [b, c]",
        "a ? b : c",
        "a == 'x' ? add_days(b, 30) : c",
        "a + b",
        "a - b * c",
        "-a",
        "!a",
        "!(a == 'x') && (b || c)",
        "is_date(a) && a < b",
        "known(a) && a != 'none'",
        "days_between(a, b) >= c",
        "next_working_day(add_days(a, b))",
        "add_working_days(a, b)",
        "is_date(a) ? add_working_days(a, 3) : next_working_day(b)",
        "earliest(a, b, c)",
        "latest(a, add_days(b, 1))",
        "add_months(a, b, 'end_of_month')",
        "add_years(a, 1, 'next_month_start')",
        "stay_limit_date(a, b == null ? 0 : b, 90)",
        "stay_days_this_year(a, 0, b)",
        "year_start(a)",
        "is_working_day(a)",
        "date('2026-01-01') < a",
        "(a == 'x') == (b == 'y')",
        "a == 9223372036854775807",
        "a - 9223372036854775807 - 10",
        "a * b",
        'a == "y" && b != "x"',
    ],
)
def test_a_native_program_agrees_with_cel_on_random_values(source: str) -> None:
    compiled = compile_expression(source, frozenset("abc"))
    calendar = WorkingCalendar()
    rng = random.Random(source)
    decided = 0
    pool = [*POOL, True, False, True, False, 2, 7, -1, 40, AS_OF, date(2026, 7, 1)]
    for _ in range(600):
        values = {name: rng.choice(pool) for name in "abc"}
        decided += _agrees(compiled, values, calendar)
    assert decided >= 10, decided  # the check is not empty


def _shipped_values(
    ruleset: Ruleset, compiled: Compiled, rng: random.Random, as_of: date
) -> dict[str, Any]:
    """Values for what `compiled` reads: a question's own values, other values drawn
    from the pool and from values of the same kinds (dates, days, flags)."""
    values: dict[str, Any] = {"as_of": as_of}
    for name in compiled.variables - {"as_of"}:
        choices: list[Any] = list(POOL)
        if ruleset.has_question(name):
            question = ruleset.question(name)
            choices += ruleset.option_values(question) * 3
            if question.type == "date":
                choices += [as_of + timedelta(days=rng.randrange(-400, 200)) for _ in range(6)]
            if question.type == "integer":
                choices += [rng.randrange(0, 200) for _ in range(6)]
        else:
            choices += [as_of + timedelta(days=rng.randrange(-400, 200)) for _ in range(3)]
            choices += [rng.randrange(0, 120) for _ in range(3)]
        values[name] = rng.choice(choices)
    return values


def test_every_shipped_expression_agrees_with_cel(shipped_ruleset: Ruleset) -> None:
    """Conditions, derived values, deadlines, ask_if, only_if and step_if of the shipped
    rules, on random values of their kinds and on three days."""
    ruleset = shipped_ruleset
    rng = random.Random(21)
    with_native = [c for c in ruleset.compiled.values() if c.native is not None]
    assert len(with_native) >= 0.9 * len(ruleset.compiled)
    decided = 0
    for compiled in with_native:
        for as_of in (date(2025, 12, 31), AS_OF, date(2027, 1, 5)):
            for _ in range(60):
                values = _shipped_values(ruleset, compiled, rng, as_of)
                decided += _agrees(compiled, values, ruleset.calendar)
    assert decided >= 0.5 * len(with_native) * 180, decided


@pytest.mark.parametrize(
    "source",
    [
        "a.b == 'x'",
        "a[0] == 'x'",
        "size(a) > 1",
        "int(a) == 1",
        "type(a) == type(b)",
        "a == 1.5",
        "a == 1u",
        "a == 0x10",
        "a == 'x\\ny'",
        "a in {'x': 1}",
        "a in b",
        "a / 2 == 1",
        "a % 2 == 1",
        "a == r'x'",
        "[a, b] == [b, a]",
        "a == '''x'''",
    ],
)
def test_what_a_native_program_does_not_read_is_left_to_cel(source: str) -> None:
    assert compile_native(source, FUNCTION_NAMES) is None


def _cel_only(self: Any, compiled: Compiled, errors: list[Any]) -> Any:
    """`engine._Values.compute` without native programs: what the engine did before."""
    start = compiled.null_unless_date
    if start is not None and not engine._known(self.known.get(start)):
        return None
    return engine._run(compiled, self.cel(), self.known, errors)


def _answer_sets(ruleset: Ruleset, count: int, seed: int) -> list[tuple[dict[str, Any], date]]:
    """Random walks of the questionnaire, some with an answer to a question not asked."""
    from bot.core.interview import next_question

    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        day = AS_OF + timedelta(days=rng.randrange(-700, 700))
        answers: dict[str, Any] = {}
        while (question := next_question(answers, ruleset, day)) is not None:
            options = ruleset.option_values(question)
            if question.type == "date" and (not options or rng.random() < 0.8):
                value: Any = (day + timedelta(days=rng.randrange(-700, 300))).isoformat()
            elif question.type == "integer" and (not options or rng.random() < 0.8):
                value = rng.randrange(0, 200)
            else:
                value = rng.choice(options)
            answers[question.id] = value
        if rng.random() < 0.3:
            answers[rng.choice(sorted(answers))] = rng.choice(["yes", "no", "unknown", "none"])
        sets.append((answers, day))
    return sets


def test_the_engine_judges_as_with_cel_alone(
    shipped_ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statuses, outcomes, reasons, deadlines (with how far they may move), every value
    shown and every error: the same with native programs as with CEL alone."""
    sets = _answer_sets(shipped_ruleset, 400, seed=22)
    native = [evaluate(a, day, shipped_ruleset, eager=e) for a, day in sets for e in (False, True)]
    monkeypatch.setattr(engine._Values, "compute", _cel_only)
    with_cel = [
        evaluate(a, day, shipped_ruleset, eager=e) for a, day in sets for e in (False, True)
    ]
    assert native == with_cel
    assert len({a.status for a in native}) >= 4
    assert any(d.may_move_days is not None for a in native for d in a.deadlines)


def test_counted_answers_given_or_walked_judge_the_same(shipped_ruleset: Ruleset) -> None:
    from bot.core.rules.engine import effective_answers

    for answers, day in _answer_sets(shipped_ruleset, 100, seed=23):
        counted = effective_answers(answers, shipped_ruleset, day)
        given = evaluate(answers, day, shipped_ruleset, counted=counted)
        assert given == evaluate(answers, day, shipped_ruleset)


def test_counts_made_before_a_native_program_gives_up_are_not_made_twice(
    shipped_ruleset: Ruleset,
) -> None:
    """The native program counts working days, then meets ``date < null`` and gives up;
    CEL counts them again, and the trace holds CEL's counts only."""
    compiled = compile_expression(
        "add_working_days(entry_date, 3) < patent_paid_until",
        frozenset({"entry_date", "patent_paid_until"}),
    )
    values: dict[str, Any] = {"entry_date": date(2026, 5, 6), "patent_paid_until": None}
    state = engine._Values(shipped_ruleset.plan, AS_OF, values, dict(values))
    state.trace.take()
    assert state.compute(compiled, []) is None  # CEL: no `<` for a timestamp and null
    assert len(state.trace.take()) == 1
    shipped_ruleset.plan.forget_person()


HOSTILE = [  # (a rule's expression, the names it reads, the same with plain words)
    ("values == functions", "values functions", "a == b"),
    ("make == 'make' && program != Undecided", "make program Undecided", "a == 'x' && b != c"),
    ("v1 == k1 || type == 'int'", "v1 k1 type", "a == b || c == 'x'"),
    ("__import__ == 'os'", "__import__", "a == 'x'"),
    ("a == \"'); import os; ('\"", "a", "a == 'x'"),
    ("a == '\" + exec(a) + \"' ? 'return 1' : '{a}'", "a", "a == 'x' ? 'y' : 'z'"),
    ("a in ['#', ':', '\"']", "a", "a in ['x', 'y', 'z']"),
]


def _written(program: Any) -> list[Any]:
    """The code of a native program (and of the code objects it holds), constants
    left out: what it does, which must not depend on the text of the rules."""
    written: list[Any] = []
    codes = [program.__code__]
    while codes:
        code = codes.pop()
        written += [code.co_code, code.co_names, code.co_varnames, code.co_freevars]
        codes += [c for c in code.co_consts if hasattr(c, "co_code")]
    return written


@pytest.mark.parametrize(("source", "names", "plain"), HOSTILE)
def test_names_and_strings_of_a_rule_stay_data(source: str, names: str, plain: str) -> None:
    """Rule names and strings are given to the program, never written in its code: a
    name such as ``values`` or a string with quotes writes the very code plain words
    write, and the program judges as CEL does."""
    native, twin = compile_native(source, FUNCTION_NAMES), compile_native(plain, FUNCTION_NAMES)
    assert native is not None and twin is not None
    assert _written(native) == _written(twin)
    read = frozenset(names.split())
    compiled = compile_expression(source, read)
    calendar = WorkingCalendar()
    pool = [*POOL, "os", "make", "int", "#", ":", '"']
    rng = random.Random(source)
    decided = sum(
        _agrees(compiled, {name: rng.choice(pool) for name in read}, calendar) for _ in range(300)
    )
    assert decided >= 10, decided  # the check is not empty


@pytest.mark.parametrize("depth", [50, 150, 400])
def test_a_deep_nesting_is_judged_alike_or_left_to_cel(depth: int) -> None:
    """Python's own limits on nesting (blocks, the parser's recursion) end in the
    fallback to CEL, never in an exception."""
    conditional = "a == 1 ? 2 : " * depth + "3"
    parentheses = "(" * depth + "a" + ")" * depth + " == 1"
    for source, expected in ((conditional, {1: 2}), (parentheses, {1: True})):
        native = compile_native(source, FUNCTION_NAMES)
        if native is None:
            continue
        for value in (1, 5, None, "x"):
            default = 3 if source is conditional else False
            assert native({"a": value}, {}) == expected.get(value, default)  # type: ignore[call-overload]
