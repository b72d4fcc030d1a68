"""Conditions and date expressions in CEL, compiled once and checked when rules load.

CEL (Common Expression Language, via the `common-expression-language` package) is
safe by construction: no loops, no I/O, no `eval`. We add the date functions the
law needs. CEL has timestamps, not dates, so a calendar date crosses the boundary
as midnight UTC and comes back as a date; rule authors only see date functions
and never do hour arithmetic.

Every function we add is *null-safe*: given an unknown value (an unanswered
question, or an answer such as "none"/"unknown" to a date question) it returns
null instead of failing, so `add_days(medical_date, 365)` is simply null for a
person without a medical certificate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import timedelta as _td
from typing import Any

from ._cel import cel
from .dates import (
    MONTH_END_RULES,
    Span,
    WorkingCalendar,
    add_months,
    days_between,
    days_in_russia_this_year,
    stay_limit_date,
)
from .native import Native, compile_native

CEL_BUILTINS: frozenset[str] = frozenset(
    {
        "size", "int", "uint", "double", "string", "bool", "bytes", "type", "dyn",
        "has", "matches", "contains", "startsWith", "endsWith",
        "getFullYear", "getMonth", "getDayOfMonth", "getDate", "getDayOfWeek", "getDayOfYear",
    }
)  # fmt: skip
"""Standard CEL functions a rule may use (operators such as `_&&_` are always allowed)."""


def to_cel(value: Any) -> Any:
    """Python answer value → CEL value (dates become midnight-UTC timestamps)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def from_cel(value: Any) -> Any:
    """CEL value → Python value (timestamps become calendar dates)."""
    if isinstance(value, datetime):
        return value.date()
    return value


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


class WorkingDayTrace:
    """The working-day counts an evaluation made, so a deadline can say how far a
    year's missing decree could move it (`WorkingCalendar.may_move_days`).

    One per CEL context (per thread); the engine takes the spans after each run.
    """

    __slots__ = ("spans",)

    def __init__(self) -> None:
        self.spans: list[Span] = []

    def record(self, start: date, end: date) -> None:
        if end >= start:
            self.spans.append(Span(start, end))
        else:
            self.spans.append(Span(end, start, backwards=True))

    def take(self) -> tuple[Span, ...]:
        if not self.spans:
            return ()
        spans = tuple(self.spans)
        self.spans.clear()
        return spans


def date_functions(
    calendar: WorkingCalendar, trace: WorkingDayTrace | None = None
) -> dict[str, Callable[..., Any]]:
    """The functions rule authors may call, bound to the ruleset's working-day calendar.

    With a `trace`, each working-day count is recorded in it.
    """

    def dated(fn: Callable[..., date | None]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            result = fn(*args)
            return None if result is None else to_cel(result)

        wrapper.__name__ = fn.__name__
        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]  # what native programs call
        return wrapper

    @dated
    def date_literal(text: Any) -> date | None:
        return date.fromisoformat(text) if isinstance(text, str) else None

    @dated
    def add_days(day: Any, count: Any) -> date | None:
        d, n = _as_date(day), _as_int(count)
        return None if d is None or n is None else d + _td(days=n)

    @dated
    def add_working_days(day: Any, count: Any) -> date | None:
        d, n = _as_date(day), _as_int(count)
        if d is None or n is None:
            return None
        result = calendar.add_working_days(d, n)
        if trace is not None:
            trace.record(d, result)
        return result

    @dated
    def next_working_day(day: Any) -> date | None:
        d = _as_date(day)
        if d is None:
            return None
        result = calendar.next_working_day(d)
        if trace is not None:
            trace.record(d, result)
        return result

    @dated
    def add_months_(day: Any, count: Any, rule: Any) -> date | None:
        d, n = _as_date(day), _as_int(count)
        return None if d is None or n is None else add_months(d, n, str(rule))

    @dated
    def add_years(day: Any, count: Any, rule: Any) -> date | None:
        d, n = _as_date(day), _as_int(count)
        return None if d is None or n is None else add_months(d, 12 * n, str(rule))

    @dated
    def earliest(*days: Any) -> date | None:
        known = [d for d in map(_as_date, days) if d is not None]
        return min(known) if known else None

    @dated
    def latest(*days: Any) -> date | None:
        known = [d for d in map(_as_date, days) if d is not None]
        return max(known) if known else None

    @dated
    def year_start(day: Any) -> date | None:
        d = _as_date(day)
        return None if d is None else date(d.year, 1, 1)

    @dated
    def stay_limit(entry: Any, earlier: Any, limit: Any) -> date | None:
        d, e, n = _as_date(entry), _as_int(earlier), _as_int(limit)
        return None if d is None or e is None or n is None else stay_limit_date(d, e, n)

    def days_between_(start: Any, end: Any) -> Any:
        a, b = _as_date(start), _as_date(end)
        return None if a is None or b is None else days_between(a, b)

    def days_in_russia(entry: Any, earlier: Any, as_of: Any) -> Any:
        d, e, a = _as_date(entry), _as_int(earlier), _as_date(as_of)
        return None if d is None or e is None or a is None else days_in_russia_this_year(d, e, a)

    def is_working_day(day: Any) -> Any:
        d = _as_date(day)
        return None if d is None else calendar.is_working_day(d)

    def is_date(value: Any) -> bool:
        return _as_date(value) is not None

    def known(value: Any) -> bool:
        return value is not None and value != "unknown"

    return {
        "date": date_literal,
        "add_days": add_days,
        "add_working_days": add_working_days,
        "next_working_day": next_working_day,
        "add_months": add_months_,
        "add_years": add_years,
        "days_between": days_between_,
        "stay_days_this_year": days_in_russia,
        "stay_limit_date": stay_limit,
        "is_working_day": is_working_day,
        "earliest": earliest,
        "latest": latest,
        "year_start": year_start,
        "is_date": is_date,
        "known": known,
    }


FUNCTION_NAMES: frozenset[str] = frozenset(date_functions(WorkingCalendar()))
LITERAL_ARGUMENT_CHECKS: dict[str, tuple[int, tuple[str, ...]]] = {
    "add_months": (2, MONTH_END_RULES),
    "add_years": (2, MONTH_END_RULES),
}
"""Functions whose argument at a position must be one of a fixed set of string literals."""


class ExpressionError(ValueError):
    """An expression that cannot be compiled or refers to something unknown."""

    def __init__(self, reason: str, line_offset: int = 0, column: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line_offset = line_offset
        self.column = column


_CEL_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")


@dataclass(frozen=True)
class Guard:
    """An atom checkable without CEL: `name == 'v'`, `name != 'v'`,
    `name in ['v', ...]`, `is_date(name)`, `name` or `!name` (a true/false value)."""

    name: str
    negated: bool = False
    literals: frozenset[str] = frozenset()
    kind: str = "literal"

    def holds(self, values: Mapping[str, Any]) -> bool:
        value = values.get(self.name)
        if self.kind == "is_date":
            return isinstance(value, date)
        if self.kind == "flag":
            return value is (not self.negated)
        found = isinstance(value, str) and value in self.literals
        return not found if self.negated else found


DATE_PROBE = "_a_date"
"""A variable every evaluation context holds, set to a date (a CEL timestamp).

`is_date(name)` is run as `type(name) == type(_a_date)`: the same answer, decided
inside CEL. Called as a Python function it costs a Rust→Python→Rust crossing with
a timestamp converted each way, about 2.5 µs, and the shipped rules call it about
a dozen times per evaluation. Rule names cannot start with `_`, so it never
collides with a question, parameter or derived value.
"""
DATE_PROBE_VALUE = datetime(2000, 1, 1, tzinfo=UTC)

_IS_DATE_OF_NAME = re.compile(r"(?<![\w.])is_date\(\s*([A-Za-z_]\w*)\s*\)")
_STRING_LITERAL = re.compile("'[^'\\n]*'|\"[^\"\\n]*\"")


def inline_is_date(source: str) -> str:
    """`source` with each `is_date(name)` outside string literals written as a type test.

    Sources with backslashes or triple quotes are returned unchanged, so a
    string literal can never be mistaken for code; `is_date` then still works,
    as the Python function.
    """
    if "is_date" not in source or "\\" in source or "'''" in source or '"""' in source:
        return source
    pieces: list[str] = []
    start = 0
    for literal in _STRING_LITERAL.finditer(source):
        pieces.append(_IS_DATE_OF_NAME.sub(_type_test, source[start : literal.start()]))
        pieces.append(literal.group())
        start = literal.end()
    pieces.append(_IS_DATE_OF_NAME.sub(_type_test, source[start:]))
    return "".join(pieces)


def _type_test(call: re.Match[str]) -> str:
    return f"(type({call[1]}) == type({DATE_PROBE}))"


NULL_FOR_NON_DATE: frozenset[str] = frozenset(
    {
        "add_days", "add_working_days", "next_working_day", "add_months", "add_years",
        "year_start", "stay_limit_date", "days_between", "stay_days_this_year", "is_working_day",
    }
)  # fmt: skip
"""Our functions that return null whenever their first argument is not a date."""

_CALL_OPENS = re.compile(r"\s*([A-Za-z_]\w*)\s*\(")
_FIRST_ARGUMENT = re.compile(r"\s*([A-Za-z_]\w*)\s*(?=[,)])")


def null_chain_start(source: str) -> str | None:
    """`name` if `source` is exactly `f(g(...(name, ...)...), ...)`, a chain of calls
    in `NULL_FOR_NON_DATE`, each the whole first argument of the one around it.

    Then the value is null whenever `name` is not a date: the innermost call gives
    null and each call around passes it on. The engine uses this to skip running
    CEL when `name` is unknown (in that case an error would be null too, and not
    a rule bug, since an input is unknown).
    """
    if "\\" in source:
        return None
    position, depth = 0, 0
    while (call := _CALL_OPENS.match(source, position)) and call[1] in NULL_FOR_NON_DATE:
        position, depth = call.end(), depth + 1
    first = _FIRST_ARGUMENT.match(source, position)
    if depth == 0 or first is None:
        return None
    position = first.end()
    for level in range(depth):
        closed = _after_closing_parenthesis(source, position)
        if closed is None:
            return None
        rest = source[closed:].lstrip()
        innermost_left = level < depth - 1
        if (innermost_left and rest[:1] not in (",", ")")) or (not innermost_left and rest):
            return None
        position = closed
    return first[1]


def _after_closing_parenthesis(source: str, position: int) -> int | None:
    """The index after the `)` that closes the call `position` is inside of."""
    depth = 0
    quote = ""
    for index in range(position, len(source)):
        char = source[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index + 1
            depth -= 1
    return None


_ATOM_EQ = re.compile(r"""^\s*([A-Za-z_]\w*)\s*(==|!=)\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*$""")
_ATOM_IN = re.compile(r"^\s*([A-Za-z_]\w*)\s+in\s*\[([^\[\]]*)\]\s*$")
_ATOM_IS_DATE = re.compile(r"^\s*is_date\(\s*([A-Za-z_]\w*)\s*\)\s*$")
_ATOM_FLAG = re.compile(r"^\s*(!?)\s*([A-Za-z_]\w*)\s*$")
_LITERAL = re.compile(r"""\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*""")


def _atom(part: str) -> Guard | None:
    """`part` as a guard, when it is one of the atoms `Guard` checks."""
    if match := _ATOM_IS_DATE.match(part):
        return Guard(match[1], kind="is_date")
    if match := _ATOM_FLAG.match(part):
        if match[2] in ("true", "false", "null"):
            return None
        return Guard(match[2], negated=bool(match[1]), kind="flag")
    if match := _ATOM_EQ.match(part):
        literal = match[3] if match[3] is not None else match[4]
        return Guard(match[1], match[2] == "!=", frozenset({literal}))
    if match := _ATOM_IN.match(part):
        items = match[2].split(",") if match[2].strip() else []
        literals = [_LITERAL.fullmatch(item) for item in items]
        if all(literals):
            return Guard(
                match[1],
                False,
                frozenset(m[1] if m[1] is not None else m[2] for m in literals if m),
            )
    return None


def guards_of(source: str) -> tuple[Guard, ...]:
    """The simple atoms of an expression that is a plain conjunction.

    For `a == 'x' && f(b)` the guard `a == 'x'` must hold for the whole to be
    true, so a failing guard decides "not true" without running CEL (which is
    most of the cost of evaluating a ruleset). Only expressions without `||` and
    `?:` are split, so `&&`'s precedence cannot be misread; atoms with brackets
    or calls are left to CEL.
    """
    if "||" in source or "?" in source:
        return ()
    return tuple(guard for part in source.split("&&") if (guard := _atom(part)) is not None)


Truth = Guard | tuple[str, tuple["Truth", ...]] | None
"""An expression as far as it can be judged without CEL: an atom (`Guard`), ``("all",
parts)`` for `&&`, ``("any", parts)`` for `||`, or ``None``, a part only CEL can judge."""


def _outside_literals(source: str) -> Iterator[tuple[int, str, int]]:
    """Each character of `source` outside string literals, with its index and the depth
    of brackets it stands in (an opening bracket counts itself in, a closing one out)."""
    depth, quote = 0, ""
    for index, char in enumerate(source):
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        yield index, char, depth


def _top_level(source: str, operator: str) -> list[str] | None:
    """`source` split at `operator` (``&&`` or ``||``) outside brackets and string
    literals; None when it has a ``?`` there (`?:` binds looser than both)."""
    parts: list[str] = []
    start = 0
    for index, char, depth in _outside_literals(source):
        if depth != 0 or index < start:
            continue
        if char == "?":
            return None
        if source.startswith(operator, index):
            parts.append(source[start:index])
            start = index + len(operator)
    parts.append(source[start:])
    return parts


def _unwrapped(part: str) -> str:
    """`part` without brackets around all of it: ``(a || b)`` → ``a || b``."""
    part = part.strip()
    while part.startswith("(") and _closing_bracket(part) == len(part) - 1:
        part = part[1:-1].strip()
    return part


def _closing_bracket(source: str) -> int | None:
    """The index of the bracket that closes the one `source` starts with."""
    for index, char, depth in _outside_literals(source):
        if depth == 0 and char in ")]}":
            return index
    return None


def truth_of(source: str) -> Truth:
    """`source` as a `Truth` tree: split at `||`, then at `&&` (which binds tighter),
    outside brackets and string literals, each part unwrapped from its brackets.

    `guards_of` gives up on any `||`; a question's `ask_if` such as ``in_russia == 'yes'
    && (purpose == 'work' || document in [...])`` is split here, so a walk over the
    questions decides most of them without CEL. A `?:` at the top, an escape in a
    literal or a part that is not an atom is left to CEL (``None``).
    """
    if "\\" in source:
        return None
    for operator, kind in (("||", "any"), ("&&", "all")):
        parts = _top_level(source, operator)
        if parts is None:
            return None
        if len(parts) > 1:
            return (kind, tuple(truth_of(part) for part in parts))
    inner = _unwrapped(source)
    if inner != source.strip():
        return truth_of(inner)
    if inner.startswith("!") and not inner.startswith("!="):  # `!(a in [...])`
        negated = _unwrapped(inner[1:])
        if negated != inner[1:].strip():
            atom = _atom(negated)
            if atom is not None and atom.kind == "literal":
                return Guard(atom.name, not atom.negated, atom.literals)
    return _atom(inner)


def judge(truth: Truth, values: Mapping[str, Any]) -> bool | None:
    """What `truth` says of `values`: True (CEL gives true), False (CEL gives false or
    an error), None (only CEL can tell). See `judge_tree`."""
    return judge_tree(truth, lambda guard: guard.holds(values))


def judge_tree(tree: Any, leaf_holds: Callable[[Any], bool]) -> bool | None:
    """Kleene's three values over a tree of ``("all" | "any", parts)`` whose leaves
    (anything but a tuple or None) `leaf_holds` judges, and whose None parts only CEL
    can tell: `&&` is False as soon as a part is, `||` True as soon as a part is (CEL's
    own `&&` and `||` are commutative: an error in one part does not matter when
    another part decides). The leaves are `Guard`s (`judge`) or their indices in a
    walk's table of guards (`engine`, each judged once per walk)."""
    if tree is None:
        return None
    if type(tree) is not tuple:
        return leaf_holds(tree)
    kind, parts = tree
    decides = kind != "all"  # the value that decides at once: False for all, True for any
    undecided = False
    for part in parts:
        verdict = judge_tree(part, leaf_holds)
        if verdict is None:
            undecided = True
        elif verdict is decides:
            return decides
    return None if undecided else not decides


@dataclass(frozen=True)
class Compiled:
    """A compiled expression, the names it reads, and its cheap pre-checks."""

    source: str
    program: Any
    """What runs: `source` with `is_date(name)` inlined (see `inline_is_date`)."""
    variables: frozenset[str]
    functions: frozenset[str]
    guards: tuple[Guard, ...] = ()
    only_guards: bool = False
    """The expression is exactly the conjunction of `guards`: true when they all hold."""
    null_unless_date: str | None = None
    """A name whose value, if not a date, makes the expression null (`null_chain_start`)."""
    truth: Truth = None
    """The expression as far as it can be judged without CEL (`truth_of`)."""
    native: Native | None = field(default=None, compare=False, repr=False)
    """The expression judged in Python, giving CEL's value or giving up (`native`)."""
    guard_names: frozenset[str] = field(init=False)
    reads: tuple[str, ...] = field(init=False)
    """`variables`, sorted: what a reason built on this condition names."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "guard_names", frozenset(g.name for g in self.guards))
        object.__setattr__(self, "reads", tuple(sorted(self.variables)))

    def run(self, context: Any) -> Any:
        return from_cel(self.program.execute(context))

    def cannot_hold(self, values: Mapping[str, Any]) -> bool:
        """True when a guard already fails: the expression is not true."""
        return any(not guard.holds(values) for guard in self.guards)

    def guard_verdict(self, values: Mapping[str, Any]) -> bool | None:
        """False when a guard fails; True when the guards are the whole expression and
        all hold (CEL would say true: each atom is true, see `Guard`); else None, CEL decides."""
        for guard in self.guards:
            if not guard.holds(values):
                return False
        return True if self.only_guards else None

    def truth_verdict(self, values: Mapping[str, Any]) -> bool | None:
        """Whether the expression is true: True; not true (false, or an error): False;
        None when only CEL can tell (see `judge`).

        For a question's `ask_if`, where an error means "not asked" as false does. Not
        for outcome conditions, whose errors are reported (`guard_verdict`).
        """
        return judge(self.truth, values)


def compile_expression(source: str, known_names: frozenset[str]) -> Compiled:
    """Compile `source`, or raise ExpressionError naming the first problem found.

    Checks: CEL syntax; every variable is a known question, derived value,
    parameter or `as_of`; every function is ours or a CEL builtin; month-end rules
    and `date("...")` literals are valid.
    """
    try:
        program = cel.compile(source)
    except ValueError as error:
        match = _CEL_POSITION.search(str(error))
        if match:
            line, column, reason = int(match[1]), int(match[2]), match[3]
            raise ExpressionError(
                f"column {column}: {reason}", line_offset=line - 1, column=column
            ) from None
        raise ExpressionError(str(error).splitlines()[0]) from None
    references = program.references()
    variables = frozenset(references.get("variables", []))
    functions = frozenset(references.get("functions", []))
    unknown_vars = sorted(variables - known_names)
    if unknown_vars:
        raise ExpressionError(
            f"unknown name {', '.join(repr(v) for v in unknown_vars)}"
            + _suggest(unknown_vars[0], known_names)
        )
    unknown_fns = sorted(
        f for f in functions
        if f not in FUNCTION_NAMES and f not in CEL_BUILTINS and f[:1] not in "_@!-"
    )  # fmt: skip
    if unknown_fns:
        raise ExpressionError(
            f"unknown function {', '.join(repr(f) + '()' for f in unknown_fns)}"
            + _suggest(unknown_fns[0], FUNCTION_NAMES)
        )
    _check_literals(source)
    guards = guards_of(source)
    return Compiled(
        source,
        _fast_program(source, program, variables),
        variables,
        functions,
        guards,
        only_guards=bool(guards) and len(guards) == source.count("&&") + 1,
        null_unless_date=_in(null_chain_start(source), variables),
        truth=truth_of(source),
        native=compile_native(source, FUNCTION_NAMES),
    )


def _in(name: str | None, names: frozenset[str]) -> str | None:
    return name if name in names else None


def _fast_program(source: str, program: Any, variables: frozenset[str]) -> Any:
    """The program to run: with `is_date(name)` inlined when that is certainly safe
    (the rewritten source compiles and reads exactly the same names), else `program`."""
    inlined = inline_is_date(source)
    if inlined == source:
        return program
    try:
        fast = cel.compile(inlined)
    except ValueError:
        return program
    if frozenset(fast.variables()) != variables | {DATE_PROBE}:
        return program
    return fast


def _check_literals(source: str) -> None:
    for match in re.finditer(r"""\bdate\(\s*["']([^"']*)["']\s*\)""", source):
        try:
            date.fromisoformat(match[1])
        except ValueError:
            raise ExpressionError(f"date({match[1]!r}) is not a valid YYYY-MM-DD date") from None
    for name, (position, allowed) in LITERAL_ARGUMENT_CHECKS.items():
        for call in re.finditer(rf"\b{name}\(([^()]*)\)", source):
            args = [a.strip() for a in call[1].split(",")]
            if len(args) != position + 1:
                raise ExpressionError(
                    f"{name}() takes 3 arguments: a date, a number and a month-end rule "
                    f"({' or '.join(repr(a) for a in allowed)})"
                )
            literal = args[position].strip("\"'")
            if literal not in allowed:
                raise ExpressionError(
                    f"{name}(): month-end rule must be {' or '.join(repr(a) for a in allowed)}, "
                    f"not {args[position]}"
                )


def _suggest(name: str, candidates: frozenset[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def make_context(functions: Mapping[str, Callable[..., Any]], values: Mapping[str, Any]) -> Any:
    """A CEL evaluation context holding `values` (converted) and our functions."""
    context = cel.Context(None, dict(functions))
    context.update(
        {DATE_PROBE: DATE_PROBE_VALUE, **{name: to_cel(v) for name, v in values.items()}}
    )
    return context
