"""Fixtures for delivery tests: database (each test runs on SQLite and on PostgreSQL),
outbox, fake clock, fake Bot API and a bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter

from bot.delivery import Outbox
from bot.storage import Database, Storage, open_storage
from bot.testing import FakeBotAPI, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """Fake time shared by the sender, the budget and the fake Bot API."""
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """A fresh migrated database: a SQLite file, or the test PostgreSQL server's."""
    if request.param == "postgres":
        database = await open_storage(request.getfixturevalue("postgres_url"))
    else:
        database = await Database.open(tmp_path / "hamroh.db")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def outbox(db: Storage) -> Outbox:
    """The outbox on the shared connection."""
    return Outbox(db)


@pytest.fixture
def api(clock: FakeClock) -> FakeBotAPI:
    """A fake Bot API enforcing Telegram's 30 msg/s broadcast limit on the fake clock."""
    return FakeBotAPI(clock=clock, rate_limit_per_second=30)


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    """A real PTB Bot on the in-process fake transport."""
    async with Bot(api.token, request=api.request(), get_updates_request=api.request()) as b:
        yield b


def limited_app(api: FakeBotAPI, limiter: BaseRateLimiter) -> Application:  # type: ignore[type-arg]
    """A PTB Application on the fake transport whose requests go through ``limiter``."""
    return (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .rate_limiter(limiter)
        .build()
    )
