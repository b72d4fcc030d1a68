"""Shared fixtures: paths to the shipped ruleset and a throwaway copy to break."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


@pytest.fixture(scope="session")
def shipped_ruleset():
    """The real ruleset in rules/, loaded once per test session."""
    from bot.core.rules import load_ruleset

    return load_ruleset(RULES)
