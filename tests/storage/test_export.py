"""``iter_answer_sets``: stored answers read-only, one user at a time, from a SQLite file
or a PostgreSQL database; and ``rules diff --db`` on either, or on one it cannot read."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.cli import main
from bot.storage import Database, open_storage
from bot.storage.export import AnswerSetsUnavailable, iter_answer_sets
from tests.core.conftest import make_rules_dir

NOW = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
PATENT = {
    "citizenship": "UZ",
    "in_russia": "yes",
    "in_registry": "no",
    "entry_date": "2025-01-10",
    "purpose": "work",
    "region": "other",
    "document": "patent",
    "patent_issue_date": "2025-01-31",
    "patent_paid_until": "2025-03-05",
}


async def _fill(target: Path | str) -> None:
    db = await (Database.open(target) if isinstance(target, Path) else open_storage(target))
    try:
        for uid in (3, 1, 2):
            await db.upsert_user(uid, uid, "uz", NOW)
        await db.save_interview(1, {**PATENT, "days_in_russia_this_year": "12"}, None, [], NOW)
        await db.save_interview(2, {**PATENT, "patent_paid_until": "2025-06-30"}, None, [], NOW)
        await db.set_opt_in(2, True)
        # user 3 has no answers
    finally:
        await db.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_answer_sets_are_read_only_and_typed(tmp_path: Path) -> None:
    path = tmp_path / "hamroh.db"
    await _fill(path)
    before = _digest(path)
    sets = list(iter_answer_sets(path))
    assert [s["patent_paid_until"] for s in sets] == ["2025-03-05", "2025-06-30"]  # by user id
    assert sets[0]["days_in_russia_this_year"] == 12  # digits are the integer answers
    assert sets[0]["citizenship"] == "UZ"
    assert [s["patent_paid_until"] for s in iter_answer_sets(path, opted_in_only=True)] == [
        "2025-06-30"
    ]
    assert _digest(path) == before  # nothing was written
    with pytest.raises(AnswerSetsUnavailable, match="no database at"):
        list(iter_answer_sets(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()


async def test_rules_diff_counts_stored_answers(tmp_path: Path, capsys) -> None:
    rules_dir = make_rules_dir(tmp_path / "old")
    path = tmp_path / "hamroh.db"
    await _fill(path)
    new_dir = tmp_path / "new" / "rules"
    shutil.copytree(rules_dir, new_dir)
    outcomes = new_dir / "outcomes" / "fixture.yaml"
    text = outcomes.read_text(encoding="utf-8")
    text = text.replace("patent_paid_until >= as_of", "patent_paid_until > as_of")
    text = text.replace("patent_paid_until < as_of", "patent_paid_until <= as_of")
    outcomes.write_text(text, encoding="utf-8")
    header = new_dir / "ruleset.yaml"
    header.write_text(
        header.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.0.1"'),
        encoding="utf-8",
    )

    code = main(
        ["rules", "diff", str(rules_dir), str(new_dir), "--db", str(path), "--as-of", "2025-03-05"]
    )
    assert code == 0
    out = capsys.readouterr().out
    stored = out[out.index("stored answers") :]
    # user 1's patent is paid until the day itself: the stricter rule makes it lapse
    assert "2 checked, 1 unchanged, 1 change status" in stored
    assert "status legal → irregular: 1" in stored
    assert "UZ" not in stored and "2025-06-30" not in stored  # counts only


async def test_answer_sets_from_postgresql_are_the_same(postgres_url: str) -> None:
    await _fill(postgres_url)
    sets = list(iter_answer_sets(postgres_url))
    assert [s["patent_paid_until"] for s in sets] == ["2025-03-05", "2025-06-30"]
    assert sets[0]["days_in_russia_this_year"] == 12
    assert [s["patent_paid_until"] for s in iter_answer_sets(postgres_url, opted_in_only=True)] == [
        "2025-06-30"
    ]


async def test_rules_diff_reads_postgresql_and_never_shows_its_password(
    tmp_path: Path, postgres_url: str, capsys
) -> None:
    rules_dir = make_rules_dir(tmp_path / "old")
    await _fill(postgres_url)
    code = main(
        [
            "rules",
            "diff",
            str(rules_dir),
            str(rules_dir),
            "--db",
            postgres_url,
            "--as-of",
            "2025-03-05",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "2 checked, 2 unchanged" in out[out.index("stored answers") :]
    password = urlsplit(postgres_url).password
    assert not password or password not in out


@pytest.mark.parametrize(
    "where",
    ["missing.db", "not-a-database.db", "postgresql://hamroh:secret@127.0.0.1:9/none"],
)
async def test_rules_diff_on_a_database_it_cannot_read_says_so_in_one_line(
    tmp_path: Path, where: str, capsys
) -> None:
    rules_dir = make_rules_dir(tmp_path / "rules")
    (tmp_path / "not-a-database.db").write_text("hello")
    target = where if where.startswith("postgresql") else str(tmp_path / where)
    assert main(["rules", "diff", str(rules_dir), str(rules_dir), "--db", target]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hamroh rules diff: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "secret" not in err
    with pytest.raises(AnswerSetsUnavailable):
        list(iter_answer_sets(target))
