"""``HAMROH_DATABASE_POOL_SIZE``: how many connections an instance opens to PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.settings import Settings
from bot.storage.postgres import DEFAULT_POOL_SIZE, PostgresDatabase
from bot.telegram.app import open_storage_or_explain

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("size", [None, 3])
async def test_the_setting_reaches_the_pool(postgres_url: str, size: int | None) -> None:
    settings = Settings(
        bot_token="123:abc",
        database_url=postgres_url,
        **({} if size is None else {"database_pool_size": size}),
    )
    storage = await open_storage_or_explain(settings.storage_target, settings.database_pool_size)
    try:
        assert isinstance(storage, PostgresDatabase)
        assert storage._pool.max_size == (size or DEFAULT_POOL_SIZE)
        await storage.upsert_user(1, 1, "ru", NOW)  # and it works
    finally:
        await storage.close()
