"""The rules engine: load a ruleset, evaluate answers, present the result.

ruleset = load_ruleset("rules")
assessment = evaluate(answers, as_of, ruleset)
data = present(assessment, ruleset, "uz")
"""

from .engine import Assessment, evaluate
from .errors import RuleProblem, RulesetInvalid
from .loader import check_ruleset, load_ruleset
from .present import present
from .ruleset import Ruleset
from .testing import rule_test_report, run_rule_tests

__all__ = [
    "Assessment",
    "RuleProblem",
    "Ruleset",
    "RulesetInvalid",
    "check_ruleset",
    "evaluate",
    "load_ruleset",
    "present",
    "rule_test_report",
    "run_rule_tests",
]
