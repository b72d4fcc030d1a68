"""Two bot instances on one PostgreSQL database, driven through the real PTB application.

Each instance is its own ``Application`` with its own connection pool, as two
``hamroh run`` processes behind a webhook load balancer would be; updates are put on
their update queues (the webhook server's job), so they pass through the update
processor that orders them across instances.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.core.rules import Ruleset, load_ruleset
from bot.settings import Settings
from bot.storage import Storage, open_storage
from bot.telegram.app import build_application
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock
from tests.core.conftest import make_rules_dir
from tests.telegram.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]

Instance = tuple[Application, Storage]  # type: ignore[type-arg]


@pytest.fixture(scope="session")
def fixture_ruleset(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return load_ruleset(make_rules_dir(tmp_path_factory.mktemp("cluster-rules")))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def api(clock: FakeClock) -> FakeBotAPI:
    return FakeBotAPI(clock=clock)


@pytest.fixture
def pg_settings(postgres_url: str) -> Settings:
    return Settings(bot_token=DEFAULT_TOKEN, database_url=postgres_url, rules_dir=ROOT / "rules")


@pytest.fixture
async def make_instance(
    pg_settings: Settings, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_instance()`` → an initialised application on the shared database."""
    made: list[Instance] = []

    async def factory(*, start: bool = False) -> Instance:
        assert pg_settings.database_url is not None
        storage = await open_storage(pg_settings.database_url.get_secret_value())
        application = build_application(
            pg_settings,
            storage=storage,
            ruleset=fixture_ruleset,
            clock=clock,
            request=api.request(),
            get_updates_request=api.request(),
        )
        await application.initialize()
        if start:
            await application.start()
        made.append((application, storage))
        return application, storage

    yield factory
    for application, storage in made:
        if application.running:
            await application.stop()
        await application.shutdown()
        await storage.close()


async def eventually(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Wait (real time: other tasks work meanwhile) until ``check()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


async def put(application: Application, update: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """Hand an update to an instance the way its webhook server does."""
    await application.update_queue.put(Update.de_json(update, application.bot))


__all__ = ["NOW", "Instance", "dt", "eventually", "put"]
