"""The storage contract: every backend runs these tests through :class:`Storage` only.

Why one suite: a backend that passes it can replace another without the bot noticing.
A test here may only use the protocols (``Storage``, ``Storage.queue``,
``Storage.campaigns``) — never SQL, never a backend's own attributes. The ``storage``
fixture is parametrised by backend; each test gets an empty, migrated database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.storage import Storage, open_storage

NOW = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)

OpenStorage = Callable[[], Awaitable[Storage]]
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test (the parameter names it in the test id)."""
    return str(request.param)


@pytest.fixture
async def open_backend(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[OpenStorage]:
    """Opens the test's database (again): a second handle on the same data, e.g. for
    "another process" or "after a restart"."""
    opened: list[Storage] = []
    target: str | Path = tmp_path / "contract.sqlite3"
    if backend == "postgres":
        target = request.getfixturevalue("postgres_url")

    async def open_one() -> Storage:
        storage = await open_storage(target)
        opened.append(storage)
        return storage

    yield open_one
    for storage in opened:
        await storage.close()


@pytest.fixture
async def storage(open_backend: OpenStorage) -> Storage:
    """An empty, migrated database of the backend under test."""
    return await open_backend()


@pytest.fixture
def now() -> dt.datetime:
    return NOW
