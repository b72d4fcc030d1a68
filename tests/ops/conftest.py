"""Fixtures for the operations tests; the Telegram ones are shared with tests/telegram."""

from __future__ import annotations

import pytest

from tests.telegram.conftest import (  # noqa: F401  (fixtures, found by name)
    api,
    clock,
    db_path,
    errors,
    fixture_ruleset,
    make_app,
    settings,
)


@pytest.fixture
def hamroh_env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """A clean ``HAMROH_*`` environment pointing into ``tmp_path`` for the CLI commands."""
    import os

    for name in list(os.environ):
        if name.startswith("HAMROH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HAMROH_DB_PATH", str(tmp_path / "data" / "hamroh.sqlite3"))
    return monkeypatch
