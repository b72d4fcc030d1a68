"""Test kit: read or poke a backend's tables directly, whichever backend it is.

Why: some tests check what is on disk (a cleared text, a damaged row), which no
protocol method shows. Statements are written with ``?`` placeholders and run on the
backend's own connection (``%s`` on PostgreSQL). Product code never does this.
"""

from __future__ import annotations

from typing import Any

from bot.storage import Database, Storage


async def query(
    storage: Storage, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    """Run one statement on ``storage``'s database and return its rows (none for writes)."""
    if isinstance(storage, Database):
        return await storage.connection.fetch(sql, params)
    from bot.storage.postgres import PostgresDatabase

    assert isinstance(storage, PostgresDatabase)
    return await storage._pool.fetch(sql.replace("%", "%%").replace("?", "%s"), params)
