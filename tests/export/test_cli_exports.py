"""`hamroh rules evaluate --ics/--timeline`: the files a person can be handed from the command line."""

from __future__ import annotations

import io
from datetime import date

from icalendar import Calendar
from PIL import Image

from bot.cli import main
from bot.core.rules import evaluate
from bot.core.rules.present import format_day

ANSWERS = """\
citizenship: UZ
in_russia: "yes"
in_registry: "no"
entry_date: 2026-10-20
purpose: work
region: moscow
document: patent
days_in_russia_this_year: 0
registered: "yes"
biometrics_done: "yes"
medical_date: 2026-10-25
patent_issue_date: 2026-11-10
patent_paid_until: 2026-12-09
contract_copy_filed: "no"
amina: "yes"
entry_ban: "no"
"""


def test_evaluate_writes_the_calendar_file_and_the_picture(tmp_path, capsys, shipped_ruleset):
    answers = tmp_path / "case.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    ics, png = tmp_path / "out.ics", tmp_path / "out.png"
    code = main(
        ["rules", "evaluate", "--answers", str(answers), "--as-of", "2026-12-01", "--lang", "tg",
         "--ics", str(ics), "--timeline", str(png)]
    )  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert f"calendar file written to {ics}" in err and f"timeline picture written to {png}" in err

    from bot.cli import _read_answers

    expected = evaluate(_read_answers(str(answers)), date(2026, 12, 1), shipped_ruleset)
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert sorted(e.start for e in events) == sorted(d.date for d in expected.deadlines)
    assert {str(e.get("SUMMARY")) for e in events} == {
        f"Мӯҳлат: {format_day(d.date, 'tg')}" for d in expected.deadlines
    }
    assert Image.open(io.BytesIO(png.read_bytes())).size[0] == 1080


def test_detailed_titles_on_request(tmp_path, shipped_ruleset):
    answers = tmp_path / "case.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    ics = tmp_path / "out.ics"
    assert main(["rules", "evaluate", "--answers", str(answers), "--as-of", "2026-12-01",
                 "--lang", "uz", "--ics", str(ics), "--detailed-titles"]) == 0  # fmt: skip
    titles = {str(e.get("SUMMARY")) for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert shipped_ruleset.header.deadlines["patent_payment"].label.get("uz") in titles


def test_unwritable_file_and_missing_font_are_one_line_each(tmp_path, capsys):
    answers = tmp_path / "case.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    base = ["rules", "evaluate", "--answers", str(answers), "--as-of", "2026-12-01"]
    assert main([*base, "--ics", str(tmp_path / "no" / "such" / "x.ics")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{tmp_path}/no/such/x.ics: cannot write the calendar file: No such file or directory"
    ]
    assert main([*base, "--timeline", str(tmp_path / "t.png"), "--font-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fonts-dejavu-core" in err[0]
    assert not (tmp_path / "t.png").exists()
