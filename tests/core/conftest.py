"""A small fixture ruleset: the shipped questions, parameters and calendar with
fixture outcomes, so engine tests do not change when the legal content does."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.core.rules import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_FILES = (
    "ruleset.yaml",
    "calendar.yaml",
    "questions.yaml",
    "sources.yaml",
    "contacts.yaml",
)


def make_rules_dir(target: Path) -> Path:
    """Copy the fixture ruleset into `target/rules` and return that folder."""
    rules = target / "rules"
    (rules / "outcomes").mkdir(parents=True)
    (rules / "tests").mkdir()
    for name in SHARED_FILES:
        shutil.copy(ROOT / "rules" / name, rules / name)
    shutil.copy(FIXTURES / "derived.yaml", rules / "derived.yaml")
    shutil.copy(FIXTURES / "parameters.yaml", rules / "parameters.yaml")
    shutil.copy(FIXTURES / "outcomes.yaml", rules / "outcomes" / "fixture.yaml")
    shutil.copy(FIXTURES / "tests.yaml", rules / "tests" / "fixture.yaml")
    return rules


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    return make_rules_dir(tmp_path)


@pytest.fixture(scope="session")
def ruleset(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return load_ruleset(make_rules_dir(tmp_path_factory.mktemp("fixture")))


@pytest.fixture(scope="session")
def shipped_ruleset() -> Ruleset:
    """The real `rules/`: for tests of what people are actually shown."""
    return load_ruleset(ROOT / "rules")


PATENT_WORKER = {
    "citizenship": "UZ",
    "in_russia": "yes",
    "in_registry": "no",
    "entry_date": "2025-01-10",
    "purpose": "work",
    "region": "other",
    "document": "patent",
    "patent_issue_date": "2025-01-31",
    "patent_paid_until": "2025-06-30",
}

VISITOR = {
    "citizenship": "OTHER",
    "in_russia": "yes",
    "in_registry": "no",
    "entry_date": "2025-01-01",
    "purpose": "private",
    "region": "other",
    "document": "none",
    "days_in_russia_this_year": 0,
}


def d(text: str) -> date:
    return date.fromisoformat(text)
