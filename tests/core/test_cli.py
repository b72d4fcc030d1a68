"""`hamroh rules check` and `hamroh rules evaluate`, as an admin runs them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.rules import load_ruleset

from .test_loader_errors import break_file


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_check_passes_on_a_good_ruleset(rules_dir, capsys):
    assert main(["rules", "check", str(rules_dir)]) == 0
    out = capsys.readouterr().out
    assert "2 passed, 0 failed" in out


def test_check_fails_with_file_and_line(rules_dir, capsys):
    line = break_file(rules_dir, "outcomes/fixture.yaml", "registered == 'no'", "registred == 'no'")
    assert main(["rules", "check", str(rules_dir)]) == 1
    out = capsys.readouterr().out
    assert f"rules/outcomes/fixture.yaml:{line}: unknown name 'registred'" in out


def test_check_fails_when_a_rule_test_fails(rules_dir, capsys):
    line = break_file(rules_dir, "tests/fixture.yaml", "status: legal", "status: irregular")
    assert main(["rules", "check", str(rules_dir)]) == 1
    out = capsys.readouterr().out
    assert "expected status irregular, got legal" in out
    assert "1 passed, 1 failed" in out
    assert "rules/tests/fixture.yaml:" in out and line > 0


def test_a_failing_expression_is_said_once_where_it_is_written(tmp_path, capsys):
    """A derived value that fails whenever it is computed fails most rule tests: one
    line names its file and line, how many tests met it and the first of them."""
    shipped, rules = Path(__file__).resolve().parents[2] / "rules", tmp_path / "rules"
    shutil.copytree(shipped, rules)
    total = len(load_ruleset(shipped).tests)
    formula = "days_between(entry_date, as_of)"
    line = break_file(rules, "derived.yaml", f'"{formula}"', f'"{formula} + citizenship"')
    assert main(["rules", "check", str(rules)]) == 1
    out = capsys.readouterr().out.splitlines()
    errors = [o for o in out if "rule error" in o]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"rules/derived.yaml:{line}: rule error in `{formula} + ")
    assert "No such overload" in errors[0] and "CEL specification" not in errors[0]
    met, failed = re.search(r"\((\d+) rule tests, the first rules/tests/", errors[0]), out[-1]
    assert met is not None and failed == f"{total - int(met[1])} passed, {met[1]} failed"


def test_the_command_line_entry_point_exits_non_zero(rules_dir):
    break_file(rules_dir, "outcomes/fixture.yaml", "sources: [S12]", "sources: [S1234]")
    result = run("rules", "check", str(rules_dir))
    assert result.returncode == 1
    assert "unknown source 'S1234'" in result.stdout


def test_evaluate_prints_the_assessment_as_json(rules_dir, tmp_path, capsys):
    answers = tmp_path / "case.yaml"
    answers.write_text(
        "citizenship: UZ\nin_russia: 'yes'\nin_registry: 'no'\nentry_date: 2025-01-10\n"
        "purpose: work\nregion: other\ndocument: patent\npatent_issue_date: 2025-01-31\n"
        "patent_paid_until: 2025-06-30\n",
        encoding="utf-8",
    )
    code = main(["rules", "evaluate", "--rules", str(rules_dir), "--answers", str(answers),
                 "--as-of", "2025-06-01", "--lang", "ky", "--json"])  # fmt: skip
    assert code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "legal"
    assert shown["as_of"] == "2025-06-01"
    assert shown["ruleset_version"]
    assert shown["explanation"]
    outcome = shown["outcomes"][0]
    assert {"id", "status", "title", "steps", "sources"} <= set(outcome)
    assert outcome["title"] == "Патент жарактуу"
    deadline = next(d for d in shown["deadlines"] if d["id"] == "patent_payment")
    assert deadline == {**deadline, "date": "2025-06-30", "outcome": "patent_valid"}


def test_evaluate_reads_json_and_prints_a_text_report(rules_dir, tmp_path, capsys):
    answers = tmp_path / "case.json"
    answers.write_text(json.dumps({"citizenship": "OTHER", "in_russia": "yes", "in_registry": "no",
        "entry_date": "2025-01-01", "purpose": "private", "region": "other", "document": "none",
        "days_in_russia_this_year": 0}), encoding="utf-8")  # fmt: skip
    assert main(["rules", "evaluate", "--rules", str(rules_dir), "--answers", str(answers),
                 "--as-of", "2025-04-01"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "[irregular]" in out
    assert "overstay" in out
    assert "Срок пребывания превышен" in out


def test_evaluate_rejects_answers_outside_the_vocabulary(rules_dir, tmp_path, capsys):
    answers = tmp_path / "bad.yaml"
    answers.write_text("citizenship: UZB\nentry_date: 31.02.2025\n", encoding="utf-8")
    assert main(["rules", "evaluate", "--rules", str(rules_dir), "--answers", str(answers)]) == 1
    err = capsys.readouterr().err
    assert "citizenship: 'UZB' is not an option" in err
    assert "entry_date: '31.02.2025' is not a date" in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b"citizenship: UZ\nin_russia: [yes\n",
            ":3: not YAML or JSON: while parsing a flow sequence",
        ),
        ("citizenship: UZ\nin_russia: да\n".encode("cp1251"), ":1: not UTF-8 text"),
    ],
    ids=["yaml-typo", "cp1251"],
)
def test_an_answers_file_that_cannot_be_read_is_one_line(rules_dir, tmp_path, content, reason):
    answers = tmp_path / "case.yaml"
    answers.write_bytes(content)
    done = run("rules", "evaluate", "--rules", str(rules_dir), "--answers", str(answers))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{answers}{reason}"), lines


def test_evaluate_reads_answers_saved_on_windows_or_says_why_not(rules_dir, tmp_path, capsys):
    """Notepad writes a byte-order mark, or the old Russian code page."""
    answers = tmp_path / "case.yaml"
    answers.write_bytes("citizenship: UZ\nin_russia: 'no'\n".encode("utf-8-sig"))
    assert main(["rules", "evaluate", "--rules", str(rules_dir), "--answers", str(answers),
                 "--as-of", "2025-04-01"]) == 0  # fmt: skip
    answers.write_bytes("# ответы\ncitizenship: UZ\n".encode("cp1251"))
    with pytest.raises(SystemExit) as exited:
        main(["rules", "evaluate", "--rules", str(rules_dir), "--answers", str(answers)])
    assert str(exited.value) == f"{answers}:1: not UTF-8 text (save it as UTF-8)"


def test_diff_counts_what_a_change_does_to_the_rule_cases(rules_dir, tmp_path, capsys):

    new_dir = tmp_path / "new" / "rules"
    shutil.copytree(rules_dir, new_dir)
    # The patent now "ends" a day earlier: one case moves from legal to irregular.
    break_file(
        new_dir, "outcomes/fixture.yaml", "patent_paid_until >= as_of", "patent_paid_until > as_of"
    )
    break_file(
        new_dir, "outcomes/fixture.yaml", "patent_paid_until < as_of", "patent_paid_until <= as_of"
    )
    version = load_ruleset(rules_dir).version  # the shipped one, whatever it is now
    major, minor, patch = version.split(".")
    bumped = f"{major}.{minor}.{int(patch) + 1}"
    break_file(new_dir, "ruleset.yaml", f'version: "{version}"', f'version: "{bumped}"')
    assert main(["rules", "diff", str(rules_dir), str(new_dir)]) == 0
    out = capsys.readouterr().out
    assert "2 checked, 1 unchanged, 1 change status" in out
    assert "status legal → irregular: 1" in out
    assert "deadline gone patent_payment: 1" in out


def test_diff_warns_when_the_version_was_not_bumped(rules_dir, tmp_path, capsys):

    new_dir = tmp_path / "new" / "rules"
    shutil.copytree(rules_dir, new_dir)
    break_file(
        new_dir, "outcomes/fixture.yaml", "remind_days_before: [3, 1, 0]", "remind_days_before: [2]"
    )
    assert main(["rules", "diff", str(rules_dir), str(new_dir)]) == 0
    assert "bump it" in capsys.readouterr().out


def test_run_without_telegram_says_so_in_one_line(monkeypatch, capsys, tmp_path):
    """No traceback for an operator whose machine cannot reach Telegram."""
    monkeypatch.setenv("HAMROH_BOT_TOKEN", "123456789:AAFakeTokenForTheTest")
    monkeypatch.setenv("HAMROH_BOT_API_URL", "http://127.0.0.1:9/bot")  # nothing listens
    monkeypatch.setenv("HAMROH_DB_PATH", str(tmp_path / "hamroh.sqlite3"))
    monkeypatch.setenv("HAMROH_HEARTBEAT_PATH", str(tmp_path / "heartbeat"))
    assert main(["run"]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("hamroh run: cannot reach the Telegram Bot API at http://127.0.0.1:9/bot")
    assert "HAMROH_BOT_API_URL" in err


def test_run_with_a_broken_ruleset_names_file_line_and_reason(
    monkeypatch, capsys, tmp_path, rules_dir
):
    break_file(rules_dir, "outcomes/fixture.yaml", "registered == 'no'", "registered == 'nope'")
    monkeypatch.setenv("HAMROH_BOT_TOKEN", "123456789:AAFakeTokenForTheTest")
    monkeypatch.setenv("HAMROH_RULES_DIR", str(rules_dir))
    monkeypatch.setenv("HAMROH_DB_PATH", str(tmp_path / "hamroh.sqlite3"))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "outcomes/fixture.yaml:" in err and "'registered' has no option 'nope'" in err


def test_run_without_a_token_says_what_to_set(monkeypatch, capsys):
    monkeypatch.delenv("HAMROH_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "HAMROH_BOT_TOKEN" in capsys.readouterr().err
