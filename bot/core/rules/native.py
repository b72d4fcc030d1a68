"""Simple CEL expressions judged in Python, with CEL as the fallback for anything else.

Why: a result evaluates some 44 expressions (derived values, outcome conditions,
deadlines), and each CEL run costs a crossing into the Rust library, a rebuild of
its environment after the context changed, and for each of our date functions a
crossing back with a timestamp converted each way. Most of the shipped expressions
are comparisons, ``&&`` / ``||`` / ``?:``, ``in [...]`` and calls of our own date
functions, which Python judges in a fraction of that.

The rule: a native program gives exactly what CEL gives, or gives up. It raises
:class:`Undecided` whenever CEL might do something else: an operand of a type it
does not handle, a comparison CEL refuses (``null < 1``), an ``&&`` whose left side
is not a boolean (CEL may still make it false from the right side), an integer out
of CEL's 64-bit range, a function that raises. The engine then runs the CEL program
(see ``engine._run``). What it does decide follows the library's own behaviour
(checked against it on random values and on every shipped expression, see
tests/core/test_native.py): equality between different types is false (``1 == true``,
``x == null``), ``in`` is that equality over a list, ``&&`` and ``||`` go left to right
and stop at the side that decides, function arguments are judged before the call.

An expression it cannot read (member access, indexing, floats, escapes in strings,
CEL's built-in functions, ``/`` and ``%``) gets no native program at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

Values = Mapping[str, Any]
Functions = Mapping[str, Callable[..., Any]]
Native = Callable[[Values, Functions], Any]
"""A native program: the values by name (Python values: dates as ``date``) and the
functions by name (those of the CEL context, so the working-day trace is the same)."""

_INT64 = (-(2**63), 2**63 - 1)
_SIMPLE = frozenset({type(None), bool, int, str, date})
"""The types a native program reads and makes; anything else is left to CEL."""


class Undecided(Exception):
    """Only CEL can tell (the engine runs the CEL program instead)."""


class _Unsupported(Exception):
    """The expression uses something a native program does not read."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<int>\d+)(?![\w.])
      | (?P<str>'[^'\\\n]*'|"[^"\\\n]*")
      | (?P<name>[A-Za-z_]\w*)
      | (?P<op>&&|\|\||==|!=|<=|>=|[<>!?:()\[\],+*-])
    )""",
    re.VERBOSE,
)


def _tokens(source: str) -> list[tuple[str, str]]:
    if '"""' in source or "'''" in source:
        raise _Unsupported
    out: list[tuple[str, str]] = []
    position = 0
    end = len(source.rstrip())
    while position < end:
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise _Unsupported
        kind = match.lastgroup
        assert kind is not None
        out.append((kind, match[kind]))
        position = match.end()
    return out


class _Parser:
    """CEL's grammar, as far as the native programs go (precedence from low to high:
    ``?:``, ``||``, ``&&``, relations and ``in``, ``+ -``, ``*``, unary ``! -``)."""

    def __init__(self, tokens: list[tuple[str, str]], functions: frozenset[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.functions = functions

    def peek(self) -> str | None:
        if self.position < len(self.tokens):
            kind, text = self.tokens[self.position]
            return text if kind in ("op", "name") else kind
        return None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise _Unsupported
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise _Unsupported
        self.position += 1
        return token

    def program(self) -> Native:
        node = self.expression()
        if self.position != len(self.tokens):
            raise _Unsupported
        return node

    def expression(self) -> Native:
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.take("?")
        then = self.binary(0)
        self.take(":")
        otherwise = self.expression()
        return _conditional(condition, then, otherwise)

    _LEVELS: tuple[frozenset[str], ...] = (
        frozenset({"||"}),
        frozenset({"&&"}),
        frozenset({"==", "!=", "<", "<=", ">", ">=", "in"}),
        frozenset({"+", "-"}),
        frozenset({"*"}),
    )

    def binary(self, level: int) -> Native:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (operator := self.peek()) in self._LEVELS[level]:
            self.take()
            if operator == "in":
                left = _member_of(left, self.list_literal())
                continue
            right = self.binary(level + 1)
            left = _BINARY[str(operator)](left, right)
        return left

    def unary(self) -> Native:
        operator = self.peek()
        if operator == "!":
            self.take()
            return _not(self.unary())
        if operator == "-":
            self.take()
            return _negative(self.unary())
        return self.primary()

    def primary(self) -> Native:
        kind, text = self.take()
        if kind == "int":
            if int(text) > _INT64[1]:
                raise _Unsupported
            return _constant(int(text))
        if kind == "str":
            return _constant(text[1:-1])
        if kind == "op" and text == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind != "name":
            raise _Unsupported
        if text in ("true", "false", "null"):
            return _constant({"true": True, "false": False, "null": None}[text])
        if text == "in":
            raise _Unsupported
        if self.peek() == "(":
            return self.call(text)
        if self.peek() in (".", "["):
            raise _Unsupported
        return _name(text)

    def call(self, function: str) -> Native:
        if function not in self.functions:
            raise _Unsupported  # a CEL built-in (size, int, type, ...): CEL's own rules
        return _call(function, self.enclosed("(", ")"))

    def list_literal(self) -> tuple[Native, ...]:
        return self.enclosed("[", "]")

    def enclosed(self, opening: str, closing: str) -> tuple[Native, ...]:
        """Expressions separated by commas between ``opening`` and ``closing``."""
        self.take(opening)
        items: list[Native] = []
        if self.peek() != closing:
            items.append(self.expression())
            while self.peek() == ",":
                self.take(",")
                items.append(self.expression())
        self.take(closing)
        return tuple(items)


def compile_native(source: str, functions: frozenset[str]) -> Native | None:
    """A native program for `source`, or None when it uses something it does not read.

    `functions`: the names of our functions (``FUNCTION_NAMES``); any other call is
    CEL's own and leaves the expression to CEL.
    """
    if "\\" in source:
        return None
    try:
        return _Parser(_tokens(source), functions).program()
    except (_Unsupported, RecursionError):
        return None


# --------------------------------------------------------------------------- the nodes


def _in_range(value: int) -> int:
    if not _INT64[0] <= value <= _INT64[1]:
        raise Undecided
    return value


def _constant(value: Any) -> Native:
    def constant(values: Values, functions: Functions) -> Any:
        return value

    return constant


def _name(name: str) -> Native:
    def read(values: Values, functions: Functions) -> Any:
        value = values.get(name, _MISSING)
        if type(value) not in _SIMPLE:
            raise Undecided
        return value

    return read


_MISSING = object()


def _same(left: Any, right: Any) -> bool:
    """CEL's equality on the simple types: different types are never equal."""
    return type(left) is type(right) and left == right


def _conditional(condition: Native, then: Native, otherwise: Native) -> Native:
    def conditional(values: Values, functions: Functions) -> Any:
        chosen = condition(values, functions)
        if chosen is True:
            return then(values, functions)
        if chosen is False:
            return otherwise(values, functions)
        raise Undecided

    return conditional


def _logical(decides: bool) -> Callable[[Native, Native], Native]:
    """``&&`` (``decides=False``) or ``||`` (``decides=True``): left to right, stopping
    at a side equal to ``decides``; CEL's answer whenever both sides are booleans."""

    def make(left: Native, right: Native) -> Native:
        def logical(values: Values, functions: Functions) -> Any:
            first = left(values, functions)
            if first is decides:
                return decides
            if type(first) is not bool:
                raise Undecided  # CEL may still decide from the other side
            second = right(values, functions)
            if type(second) is not bool:
                raise Undecided
            return second

        return logical

    return make


def _equal(left: Native, right: Native) -> Native:
    def equal(values: Values, functions: Functions) -> Any:
        return _same(left(values, functions), right(values, functions))

    return equal


def _unequal(left: Native, right: Native) -> Native:
    def unequal(values: Values, functions: Functions) -> Any:
        return not _same(left(values, functions), right(values, functions))

    return unequal


_ORDERED = (int, date, str)
"""Types CEL orders among themselves (and Python in the same order): ints, timestamps
(dates here: each is midnight UTC), strings (by code point, as UTF-8 bytes are)."""


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[Native, Native], Native]:
    def make(left: Native, right: Native) -> Native:
        def ordered(values: Values, functions: Functions) -> Any:
            a, b = left(values, functions), right(values, functions)
            kind = type(a)
            if kind is not type(b) or kind not in _ORDERED:
                raise Undecided
            return compare(a, b)

        return ordered

    return make


def _arithmetic(operate: Callable[[int, int], int]) -> Callable[[Native, Native], Native]:
    def make(left: Native, right: Native) -> Native:
        def arithmetic(values: Values, functions: Functions) -> Any:
            a, b = left(values, functions), right(values, functions)
            if type(a) is not int or type(b) is not int:
                raise Undecided
            return _in_range(operate(a, b))

        return arithmetic

    return make


def _member_of(left: Native, items: tuple[Native, ...]) -> Native:
    def member(values: Values, functions: Functions) -> Any:
        value = left(values, functions)
        listed = [item(values, functions) for item in items]
        return any(_same(value, each) for each in listed)

    return member


def _not(operand: Native) -> Native:
    def negation(values: Values, functions: Functions) -> Any:
        value = operand(values, functions)
        if type(value) is not bool:
            raise Undecided
        return not value

    return negation


def _negative(operand: Native) -> Native:
    def negative(values: Values, functions: Functions) -> Any:
        value = operand(values, functions)
        if type(value) is not int:
            raise Undecided
        return _in_range(-value)

    return negative


def _call(name: str, arguments: tuple[Native, ...]) -> Native:
    """A call of one of our functions, its arguments judged first, left to right.

    The functions may be CEL's (giving timestamps for dates) or their unwrapped
    versions (giving dates, see ``CelContext.functions``); either way the value is a
    date. Calls with one to three arguments (all of ours in the rules) are spelled
    out, which spares a list per call.
    """

    def result_of(function: Callable[..., Any], *given: Any) -> Any:
        try:
            result = function(*given)
        except Exception:  # CEL reports it (the engine runs the CEL program)
            raise Undecided from None
        kind = type(result)
        if kind is date or kind is bool or result is None:
            return result
        if kind is datetime:  # a CEL timestamp: its day
            return result.date()
        if kind is int:
            return _in_range(result)
        if kind is not str:
            raise Undecided
        return result

    if len(arguments) == 1:
        (first,) = arguments

        def call_1(values: Values, functions: Functions) -> Any:
            return result_of(functions[name], first(values, functions))

        return call_1
    if len(arguments) == 2:
        first, second = arguments

        def call_2(values: Values, functions: Functions) -> Any:
            return result_of(functions[name], first(values, functions), second(values, functions))

        return call_2
    if len(arguments) == 3:
        first, second, third = arguments

        def call_3(values: Values, functions: Functions) -> Any:
            a, b = first(values, functions), second(values, functions)
            return result_of(functions[name], a, b, third(values, functions))

        return call_3

    def call(values: Values, functions: Functions) -> Any:
        return result_of(functions[name], *[argument(values, functions) for argument in arguments])

    return call


_BINARY: dict[str, Callable[[Native, Native], Native]] = {
    "||": _logical(True),
    "&&": _logical(False),
    "==": _equal,
    "!=": _unequal,
    "<": _ordering(lambda a, b: a < b),
    "<=": _ordering(lambda a, b: a <= b),
    ">": _ordering(lambda a, b: a > b),
    ">=": _ordering(lambda a, b: a >= b),
    "+": _arithmetic(lambda a, b: a + b),
    "-": _arithmetic(lambda a, b: a - b),
    "*": _arithmetic(lambda a, b: a * b),
}
