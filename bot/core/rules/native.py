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

How: the expression is parsed into a small tree, and the tree is written out as the
body of one Python function (:class:`_Writer`), compiled once when the rules load.
One call per expression instead of one per operator and operand is what makes a
result's 44 expressions cheap. The generated source is made only of this module's
own templates and local names: the rule's names, strings and numbers never become
source text; they are handed to the function as values (its closure), so a rules
file cannot inject code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

_ORDERED = frozenset({int, date, str})
"""Types CEL orders among themselves (and Python in the same order): ints, timestamps
(dates here: each is midnight UTC), strings (by code point, as UTF-8 bytes are)."""


class Undecided(Exception):
    """Only CEL can tell (the engine runs the CEL program instead)."""


class _Unsupported(Exception):
    """The expression uses something a native program does not read."""


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class _Constant:
    value: bool | int | str | None


@dataclass(frozen=True)
class _Name:
    name: str


@dataclass(frozen=True)
class _Conditional:
    condition: _Node
    then: _Node
    otherwise: _Node


@dataclass(frozen=True)
class _Logical:
    """``&&`` (``decides=False``) or ``||`` (``decides=True``)."""

    decides: bool
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Binary:
    """A comparison (``== != < <= > >=``) or integer arithmetic (``+ - *``)."""

    operator: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Member:
    """``value in [items]``."""

    value: _Node
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Unary:
    """``!`` or ``-``."""

    operator: str
    operand: _Node


@dataclass(frozen=True)
class _Call:
    """A call of one of our functions."""

    function: str
    arguments: tuple[_Node, ...]


_Node = _Constant | _Name | _Conditional | _Logical | _Binary | _Member | _Unary | _Call

# --------------------------------------------------------------------------- reading


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

    def program(self) -> _Node:
        node = self.expression()
        if self.position != len(self.tokens):
            raise _Unsupported
        return node

    def expression(self) -> _Node:
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.take("?")
        then = self.binary(0)
        self.take(":")
        otherwise = self.expression()
        return _Conditional(condition, then, otherwise)

    _LEVELS: tuple[frozenset[str], ...] = (
        frozenset({"||"}),
        frozenset({"&&"}),
        frozenset({"==", "!=", "<", "<=", ">", ">=", "in"}),
        frozenset({"+", "-"}),
        frozenset({"*"}),
    )

    def binary(self, level: int) -> _Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (operator := self.peek()) in self._LEVELS[level]:
            self.take()
            if operator == "in":
                left = _Member(left, self.enclosed("[", "]"))
                continue
            right = self.binary(level + 1)
            if operator in ("&&", "||"):
                left = _Logical(operator == "||", left, right)
            else:
                left = _Binary(str(operator), left, right)
        return left

    def unary(self) -> _Node:
        operator = self.peek()
        if operator in ("!", "-"):
            self.take()
            return _Unary(str(operator), self.unary())
        return self.primary()

    def primary(self) -> _Node:
        kind, text = self.take()
        if kind == "int":
            if int(text) > _INT64[1]:
                raise _Unsupported
            return _Constant(int(text))
        if kind == "str":
            return _Constant(text[1:-1])
        if kind == "op" and text == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind != "name":
            raise _Unsupported
        if text in ("true", "false", "null"):
            return _Constant({"true": True, "false": False, "null": None}[text])
        if text == "in":
            raise _Unsupported
        if self.peek() == "(":
            if text not in self.functions:
                raise _Unsupported  # a CEL built-in (size, int, type, ...): CEL's own rules
            return _Call(text, self.enclosed("(", ")"))
        if self.peek() in (".", "["):
            raise _Unsupported
        return _Name(text)

    def enclosed(self, opening: str, closing: str) -> tuple[_Node, ...]:
        """Expressions separated by commas between ``opening`` and ``closing``."""
        self.take(opening)
        items: list[_Node] = []
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
        tree = _Parser(_tokens(source), functions).program()
        return _Writer().program(tree)
    except (_Unsupported, RecursionError, SyntaxError, MemoryError):
        # SyntaxError: Python's own limits (a very deep nesting of `?:`), not a bug
        return None


# --------------------------------------------------------------------------- writing


def _result(value: Any) -> Any:
    """A function's value as a native program reads it (a date, a boolean, null, an
    integer in CEL's range or a string), or Undecided."""
    kind = type(value)
    if kind is bool or kind is str:
        return value
    if kind is datetime:  # a CEL timestamp: its day
        return value.date()
    if kind is int and _INT64[0] <= value <= _INT64[1]:
        return value
    raise Undecided


_ARITHMETIC = {"+": "+", "-": "-", "*": "*"}
_ORDERING = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Writer:
    """Writes a tree out as the body of one function ``program(values, functions)``.

    Each node becomes statements that leave its value in a fresh local (``v1``,
    ``v2``, ...), in the order the operators judge their operands, with the same checks
    (a ``raise Undecided`` where CEL might differ) the semantics above need. Constants
    are free variables of the function, never source text.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.locals = 0
        self.constants: dict[str, Any] = {}
        self.booleans: set[str] = set()
        """Locals certainly holding a boolean (a comparison's, ...): no check needed."""

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def fresh(self, boolean: bool = False) -> str:
        self.locals += 1
        name = f"v{self.locals}"
        if boolean:
            self.booleans.add(name)
        return name

    def require_boolean(self, local: str, indent: str = "") -> None:
        """Give up unless `local` holds a boolean (no check where it certainly does)."""
        if local not in self.booleans:
            self.line(f"{indent}if type({local}) is not bool: raise Undecided")

    def require_int64(self, local: str) -> None:
        """Give up unless integer arithmetic stayed in CEL's 64-bit range."""
        self.line(f"if not LOW <= {local} <= HIGH: raise Undecided")

    def constant(self, value: Any) -> str:
        name = f"k{len(self.constants) + 1}"
        self.constants[name] = value
        return name

    def program(self, tree: _Node) -> Native:
        result = self.node(tree)
        self.line(f"return {result}")
        given = {
            "Undecided": Undecided, "MISSING": _MISSING, "SIMPLE": _SIMPLE,
            "ORDERED": _ORDERED, "LOW": _INT64[0], "HIGH": _INT64[1], "date": date,
            "result": _result, "type": type, "bool": bool, "int": int, "str": str,
            "Exception": Exception, **self.constants,
        }  # fmt: skip
        source = "\n".join(
            [
                f"def make({', '.join(given)}):",
                "  def program(values, functions):",
                *("  " + line for line in self.lines),
                "  return program",
            ]
        )
        namespace: dict[str, Any] = {"__builtins__": {}}
        exec(compile(source, "<native program>", "exec"), namespace)
        program: Native = namespace["make"](*given.values())
        return program

    def node(self, node: _Node) -> str:
        """Statements for `node`; the local (or constant) holding its value."""
        match node:
            case _Constant(value):
                return self.constant(value)
            case _Name(name):
                out = self.fresh()
                self.line(f"{out} = values.get({self.constant(name)}, MISSING)")
                self.line(f"if type({out}) not in SIMPLE: raise Undecided")
                return out
            case _Conditional(condition, then, otherwise):
                return self.conditional(condition, then, otherwise)
            case _Logical(decides, left, right):
                return self.logical(decides, left, right)
            case _Binary(operator, left, right):
                return self.binary(operator, left, right)
            case _Member(value, items):
                return self.member(value, items)
            case _Unary(operator, operand):
                return self.unary(operator, operand)
            case _Call(function, arguments):
                return self.call(function, arguments)
        raise AssertionError(node)  # pragma: no cover

    def inside(self, node: _Node) -> str:
        """`node`'s statements one level in (a branch); the local holding its value."""
        self.depth += 1
        try:
            return self.node(node)
        finally:
            self.depth -= 1

    def conditional(self, condition: _Node, then: _Node, otherwise: _Node) -> str:
        chosen = self.node(condition)
        out = self.fresh()
        self.line(f"if {chosen} is True:")
        value = self.inside(then)
        self.line(f"    {out} = {value}")
        self.line("else:" if chosen in self.booleans else f"elif {chosen} is False:")
        value = self.inside(otherwise)
        self.line(f"    {out} = {value}")
        if chosen not in self.booleans:
            self.line("else: raise Undecided")
        return out

    def logical(self, decides: bool, left: _Node, right: _Node) -> str:
        """Left to right, stopping at a side equal to `decides`: CEL's answer whenever
        both sides are booleans (else CEL may still decide from the other side)."""
        first = self.node(left)
        out = self.fresh(boolean=True)
        self.line(f"if {first} is {decides}: {out} = {decides}")
        if first not in self.booleans:
            self.line(f"elif type({first}) is not bool: raise Undecided")
        self.line("else:")
        second = self.inside(right)
        self.require_boolean(second, indent="    ")
        self.line(f"    {out} = {second}")
        return out

    def same(self, a: str, b: str, constant: _Node) -> str:
        """CEL's equality of `a` and `b` (different types are never equal); `constant`:
        one of the two nodes, whose type is known here when it is a constant."""
        if isinstance(constant, _Constant):
            if constant.value is None:
                return f"{a} is {b}"
            kind = type(constant.value)
            if kind in (bool, int, str):  # names the program is given
                return f"(type({a}) is {kind.__name__} and {a} == {b})"
        return f"(type({a}) is type({b}) and {a} == {b})"

    def binary(self, operator: str, left: _Node, right: _Node) -> str:
        a, b = self.node(left), self.node(right)
        if operator in ("==", "!="):
            out = self.fresh(boolean=True)
            same = self.same(a, b, right if isinstance(right, _Constant) else left)
            self.line(f"{out} = {same}" if operator == "==" else f"{out} = not {same}")
        elif operator in _ORDERING:
            out = self.fresh(boolean=True)
            self.line(f"if type({a}) is not type({b}) or type({a}) not in ORDERED:")
            self.line("    raise Undecided")
            self.line(f"{out} = {a} {_ORDERING[operator]} {b}")
        else:
            out = self.fresh()
            self.line(f"if type({a}) is not int or type({b}) is not int: raise Undecided")
            self.line(f"{out} = {a} {_ARITHMETIC[operator]} {b}")
            self.require_int64(out)
        return out

    def member(self, value: _Node, items: tuple[_Node, ...]) -> str:
        """``in``: CEL's equality with any item, every item judged first."""
        judged = self.node(value)
        listed = [(self.node(item), item) for item in items]
        out = self.fresh(boolean=True)
        tests = [self.same(judged, each, item) for each, item in listed]
        self.line(f"{out} = {' or '.join(tests) or 'False'}")
        return out

    def unary(self, operator: str, operand: _Node) -> str:
        value = self.node(operand)
        if operator == "!":
            out = self.fresh(boolean=True)
            self.require_boolean(value)
            self.line(f"{out} = not {value}")
        else:
            out = self.fresh()
            self.line(f"if type({value}) is not int: raise Undecided")
            self.line(f"{out} = -{value}")
            self.require_int64(out)
        return out

    def call(self, function: str, arguments: tuple[_Node, ...]) -> str:
        """A call of one of our functions, its arguments judged first, left to right.

        The functions may be CEL's (giving timestamps for dates) or their unwrapped
        versions (giving dates, see ``CelContext.functions``); a function that raises
        leaves the expression to CEL, which reports it.
        """
        given = [self.node(argument) for argument in arguments]
        out = self.fresh()
        self.line("try:")
        self.line(f"    {out} = functions[{self.constant(function)}]({', '.join(given)})")
        self.line("except Exception: raise Undecided from None")
        self.line(f"if {out} is not None and type({out}) is not date: {out} = result({out})")
        return out


_MISSING = object()
