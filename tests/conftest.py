"""Shared fixtures: paths to the shipped ruleset and a throwaway copy to break."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


@pytest.fixture(scope="session")
def shipped_ruleset():
    """The real ruleset in rules/, loaded once per test session."""
    from bot.core.rules import load_ruleset

    return load_ruleset(RULES)
