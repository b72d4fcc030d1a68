"""Reading rule files: YAML with every node's line kept, and problems collected.

Reading is the only I/O in the core: the engine receives a finished `Ruleset`.
Each problem is `file:line: reason`, so a `RuleFile` turns a path of keys into
the line an admin should look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from .errors import RuleProblem
from .fast_yaml import load as load_yaml_text


@dataclass
class RuleFile:
    """One parsed YAML file and its node tree, used to turn a path into a line."""

    name: str
    root: Any

    def line(self, path: Iterator[Any] | tuple[Any, ...] | list[Any]) -> int:
        """The 1-based line of the deepest node on `path` that exists."""
        node, line = self.root, 1
        for key in path:
            located = locate(node, key)
            if located is None:
                break
            node, line = located
        return line

    def value_line(self, path: tuple[Any, ...]) -> int:
        """Line where a scalar's text starts (the line after `|` for block scalars)."""
        line = self.line(path)
        node: Any = self.root
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return line
        if isinstance(node, LiteralScalarString | FoldedScalarString):
            return line + 1
        return line


def locate(node: Any, key: Any) -> tuple[Any, int] | None:
    lc = getattr(node, "lc", None)
    if isinstance(node, dict) and key in node:
        line = lc.key(key)[0] + 1 if lc is not None else 1
        return node[key], line
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        line = lc.item(key)[0] + 1 if lc is not None else 1
        return node[key], line
    return None


@dataclass
class Collector:
    """Accumulates problems while the loader goes on checking everything else."""

    problems: list[RuleProblem] = field(default_factory=list)

    def add(self, file: RuleFile | str, line: int, reason: str, warning: bool = False) -> None:
        name = file.name if isinstance(file, RuleFile) else file
        self.problems.append(RuleProblem(name, line, reason, warning))


class _Constructor(RoundTripConstructor):
    """Keeps YAML timestamps as text so a bad date (2025-02-31) becomes a schema
    error with its line, instead of an unmarked crash inside the YAML parser."""


_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda self, node: str(self.construct_scalar(node)),
)
_yaml = YAML(typ="rt")
_yaml.Constructor = _Constructor


def parse_yaml(text: str) -> Any:
    """Parse YAML (or JSON) the way rule files are read: dates stay text.

    For other inputs that name answers, such as ``hamroh rules evaluate``'s answer
    file, so a date there is checked by the same rules as a date in a rule test.
    Raises ruamel's errors for text that is not YAML.
    """
    return _yaml.load(text)


def read_rule_file(path: Path, base: Path, out: Collector) -> RuleFile | None:
    name = str(path.relative_to(base.parent)) if path.is_relative_to(base.parent) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        out.add(name, 1, f"cannot read the file: {error}")
        return None
    try:
        root = load_yaml_text(text)  # libyaml, with the lines of the round-trip parser
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(filter(None, [error.context, error.problem])) or "YAML syntax error"
        out.add(name, line, f"YAML syntax error: {reason}")
        return None
    except Exception as error:  # ruamel raises a few unmarked errors too
        out.add(name, 1, f"YAML error: {error}")
        return None
    if root is None:
        out.add(name, 1, "the file is empty")
        return None
    return RuleFile(name, root)
