"""Answers a simulated user gives to questions a test or benchmark does not care about."""

from __future__ import annotations

from bot.core.rules import Ruleset
from bot.core.rules.model import Question


def neutral_answer(ruleset: Ruleset, question: Question) -> str:
    """The answer that changes the least: "no", "none" or "unknown" when offered, else
    the first option, else 0 for a number and 01.01.2025 for a date (as typed text).

    Why here: the handler tests and the benchmarks walk the real questionnaire, and the
    ruleset may add questions they do not name.
    """
    options = ruleset.option_values(question)
    for value in ("no", "none", "unknown"):
        if value in options:
            return value
    if options:
        return options[0]
    return "0" if question.type == "integer" else "01.01.2025"
