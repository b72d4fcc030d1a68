"""Problems found in a ruleset, each pointing an admin at a file and a line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RuleProblem:
    """One problem: `file:line: reason`. Line numbers start at 1."""

    file: str
    line: int
    reason: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        reason = " ".join(self.reason.split())  # one line, whatever a parser's message holds
        return f"{self.file}:{self.line}: {prefix}{reason}"


class RulesetInvalid(Exception):
    """The ruleset cannot be used; `problems` says where and why."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
