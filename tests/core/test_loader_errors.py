"""A broken ruleset is an admin-facing error naming the file, the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.rules import RulesetInvalid, check_ruleset, load_ruleset


def break_file(rules: Path, relative: str, old: str, new: str) -> int:
    """Replace the first `old` with `new` in a rules file; return the line of `new`."""
    path = rules / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return (
        text[: text.index(new)].count("\n")
        + 1
        + new[: len(new) - len(new.lstrip("\n"))].count("\n")
    )


def problems_of(rules: Path) -> list[str]:
    ruleset, problems = check_ruleset(rules)
    errors = [p for p in problems if not p.warning]
    assert ruleset is None or errors
    return [str(p) for p in errors]


def assert_reported(rules: Path, relative: str, line: int, reason: str) -> None:
    expected = f"rules/{relative}:{line}: "
    found = problems_of(rules)
    assert any(p.startswith(expected) and reason in p for p in found), "\n".join(found)


def test_the_fixture_ruleset_is_valid(rules_dir):
    ruleset = load_ruleset(rules_dir)
    assert [o.id for o in ruleset.outcomes][:2] == ["patent_valid", "patent_lapsed"]


def test_misspelled_question_id_in_a_condition(rules_dir):
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "\"document == 'patent'\"", "\"documnet == 'patent'\""
    )
    assert_reported(
        rules_dir,
        "outcomes/fixture.yaml",
        line,
        "unknown name 'documnet' (did you mean 'document'?)",
    )


def test_unknown_option_value(rules_dir):
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "registered == 'no'", "registered == 'nope'"
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "'registered' has no option 'nope'")


def test_unknown_option_value_in_a_list(rules_dir):
    line = break_file(
        rules_dir,
        "derived.yaml",
        "citizenship in ['KG', 'KZ', 'AM', 'BY']",
        "citizenship in ['KG', 'KZ', 'AM', 'BLR']",
    )
    assert_reported(rules_dir, "derived.yaml", line, "'citizenship' has no option 'BLR'")


def test_missing_translation(rules_dir):
    line = break_file(
        rules_dir,
        "outcomes/fixture.yaml",
        'title: {ru: "Патент прекратился", ky: "Патент токтоду", ',
        'title: {ru: "Патент прекратился", ',
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "missing translation 'ky'")


def test_malformed_date(rules_dir):
    path = rules_dir / "outcomes/fixture.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("last_reviewed: 2026-11-25")
    line = text[:first].count("\n") + 1
    path.write_text(
        text.replace("last_reviewed: 2026-11-25", "last_reviewed: 2025-02-31", 1), encoding="utf-8"
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "last_reviewed")


def test_malformed_date_in_a_rule_test(rules_dir):
    line = break_file(rules_dir, "tests/fixture.yaml", "as_of: 2025-06-30", "as_of: 30.06.2025")
    assert_reported(rules_dir, "tests/fixture.yaml", line, "as_of")


def test_yaml_syntax_error(rules_dir):
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "    status: irregular\n", "    status: [irregular\n"
    )
    problems = problems_of(rules_dir)
    assert any(
        p.startswith("rules/outcomes/fixture.yaml:") and "YAML syntax error" in p for p in problems
    )
    reported = int(next(p for p in problems if "YAML syntax error" in p).split(":")[1])
    assert line <= reported <= line + 2  # the parser notices where the bracket is left open


def test_unknown_key(rules_dir):
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "    scam_warning: true", "    scam_warnign: true"
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "unknown key 'scam_warnign'")


def test_unknown_function_and_month_end_rule(rules_dir):
    line = break_file(
        rules_dir,
        "derived.yaml",
        'value: "days_between(entry_date, as_of)"',
        'value: "days_betwen(entry_date, as_of)"',
    )
    assert_reported(rules_dir, "derived.yaml", line, "unknown function 'days_betwen'()")
    line = break_file(
        rules_dir,
        "derived.yaml",
        "add_years(medical_date, 1, 'end_of_month')",
        "add_years(medical_date, 1, 'clamp')",
    )
    assert_reported(rules_dir, "derived.yaml", line, "month-end rule must be")


def test_cel_syntax_error_names_the_column(rules_dir):
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "\"registered == 'no'\"", "\"registered == 'no' &&\""
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "column")


def test_unknown_source_contact_and_deadline(rules_dir):
    line = break_file(rules_dir, "outcomes/fixture.yaml", "sources: [S12]", "sources: [S999]")
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "unknown source 'S999'")
    line = break_file(
        rules_dir,
        "outcomes/fixture.yaml",
        "contacts: [mvd_registry_check]",
        "contacts: [mvd_registry]",
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "unknown contact 'mvd_registry'")
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "- id: registration\n", "- id: registraton\n"
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "unknown deadline id 'registraton'")


def test_wrong_type(rules_dir):
    line = break_file(
        rules_dir,
        "outcomes/fixture.yaml",
        "remind_days_before: [3, 1, 0]",
        "remind_days_before: [3, soon, 0]",
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "remind_days_before")


def test_placeholder_must_name_something_real(rules_dir):
    line = break_file(
        rules_dir,
        "outcomes/fixture.yaml",
        'ru: "Вы не на учёте."',
        'ru: "Вы не на учёте с {entry_dat}."',
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "unknown placeholder {entry_dat}")


def test_rule_test_answers_are_checked(rules_dir):
    line = break_file(
        rules_dir, "tests/fixture.yaml", "citizenship: UZ, in_russia", "citizenship: UZB, in_russia"
    )
    assert_reported(rules_dir, "tests/fixture.yaml", line, "citizenship: 'UZB' is not an option")
    line = break_file(rules_dir, "tests/fixture.yaml", "purpose: work", "purpse: work")
    assert_reported(rules_dir, "tests/fixture.yaml", line, "unknown question 'purpse'")


def test_a_cycle_between_derived_values_is_reported(rules_dir):
    line = break_file(
        rules_dir,
        "derived.yaml",
        'value: "add_days(patent_paid_until, 1)"',
        'value: "add_days(patent_year_end, 1)"',
    )
    break_file(
        rules_dir,
        "derived.yaml",
        "add_days(add_months(patent_issue_date, 12, 'next_month_start'), -1)",
        "add_days(patent_end_day, -1)",
    )
    problems = problems_of(rules_dir)
    assert any("depend on each other in a circle" in p for p in problems), problems
    assert line > 0


def test_ask_if_may_only_read_earlier_questions(rules_dir):
    """Said as such: "unknown name 'amina'" sent the admin looking for a typo in a
    question that exists, further down."""
    line = break_file(
        rules_dir,
        "questions.yaml",
        "ask_if: \"in_russia == 'no'\"",
        "ask_if: \"in_russia == 'no' && amina == 'yes'\"",
    )
    assert_reported(
        rules_dir, "questions.yaml", line,
        "'amina' is asked after this question: ask_if and only_if may read only the questions above",
    )  # fmt: skip
    assert len(problems_of(rules_dir)) == 1


def test_load_ruleset_raises_with_every_problem(rules_dir):
    break_file(rules_dir, "outcomes/fixture.yaml", "registered == 'no'", "registered == 'nope'")
    break_file(rules_dir, "outcomes/fixture.yaml", "sources: [S12]", "sources: [S999]")
    with pytest.raises(RulesetInvalid) as error:
        load_ruleset(rules_dir)
    assert len(error.value.problems) >= 2
    assert "S999" in str(error.value) and "nope" in str(error.value)


def test_a_missing_file_is_named(rules_dir):
    (rules_dir / "calendar.yaml").unlink()
    assert any(
        p.startswith("rules/calendar.yaml:1: required file is missing")
        for p in problems_of(rules_dir)
    )


def test_a_stray_brace_in_a_step_is_an_error_not_a_crash(rules_dir):
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", 'ru: ["Не работайте."', 'ru: ["Не работайте {."'
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "'ru' text")


def test_steps_use_the_same_placeholders_in_every_locale(rules_dir):
    line = break_file(
        rules_dir,
        "outcomes/fixture.yaml",
        'ky: ["Патент үчүн {patent_paid_until} чейин төлөңүз."]',
        'ky: ["Патент үчүн убагында төлөңүз."]',
    )
    assert_reported(rules_dir, "outcomes/fixture.yaml", line, "step 1: placeholders in 'ky' differ")


def test_a_deadline_that_asks_an_unknown_question_again(rules_dir):
    line = break_file(rules_dir, "ruleset.yaml", "answer: registered", "answer: registred")
    assert_reported(
        rules_dir,
        "ruleset.yaml",
        line,
        "deadline 'registration': unknown question 'registred' (did you mean 'registered'?)",
    )


def test_an_outcome_file_that_cannot_be_read_is_reported_once_not_by_every_test(rules_dir):
    """A YAML typo in an outcome file used to bring one more line for every rule test
    naming its outcomes ("unknown outcome … (did you mean …)"), burying the typo."""
    line = break_file(
        rules_dir, "outcomes/fixture.yaml", "    status: legal\n", "    status: legal\n   bad: [\n"
    )
    found = problems_of(rules_dir)
    assert len(found) == 1, "\n".join(found)
    assert found[0].startswith(f"rules/outcomes/fixture.yaml:{line + 1}: YAML syntax error")


def test_a_yaml_error_without_a_position_is_still_one_line(rules_dir):
    path = rules_dir / "outcomes" / "fixture.yaml"
    path.write_text("\x00" + path.read_text(encoding="utf-8"), encoding="utf-8")
    found = problems_of(rules_dir)
    assert found and all("\n" not in problem for problem in found), found
    assert found[0].startswith("rules/outcomes/fixture.yaml:1: YAML error: ")
