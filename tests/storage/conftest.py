"""Fixtures for storage tests: a fresh database file per test and a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database

NOW = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def now() -> dt.datetime:
    """The injected 'current time' (storage never reads the clock)."""
    return NOW


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database in a temporary folder."""
    database = await Database.open(tmp_path / "data" / "hamroh.db")
    try:
        yield database
    finally:
        await database.close()
