"""`hamroh` command line (work in progress; `rules check` first)."""

from __future__ import annotations

import argparse
import sys


def rules_check(directory: str) -> int:
    from bot.core.rules import check_ruleset, run_rule_tests

    ruleset, problems = check_ruleset(directory)
    for problem in problems:
        print(problem)
    if ruleset is None or any(not p.warning for p in problems):
        return 1
    count, failures = run_rule_tests(ruleset)
    for failure in failures:
        print(failure)
    print(f"{count - len({(f.file, f.line) for f in failures})} passed, "
          f"{len({(f.file, f.line) for f in failures})} failed")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hamroh")
    sub = parser.add_subparsers(dest="command", required=True)
    rules = sub.add_parser("rules").add_subparsers(dest="rules_command", required=True)
    check = rules.add_parser("check")
    check.add_argument("directory", nargs="?", default="rules")
    args = parser.parse_args(argv)
    if args.command == "rules" and args.rules_command == "check":
        return rules_check(args.directory)
    return 2


if __name__ == "__main__":
    sys.exit(main())
