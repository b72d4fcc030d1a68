"""The send queue's reports, written once for both backends (see :mod:`bot.storage.dialect`).

What moves messages (claiming, marking sent, retrying, pruning) stays in each backend:
those are the hot paths, tuned to each one's cursors and transactions.
"""

from __future__ import annotations

from bot.storage.dialect import Dialect, Fetcher


class QueueReports:
    """Counts of the queue for ``/stats``, a broadcast's progress and the tests."""

    def __init__(self, db: Fetcher, dialect: Dialect) -> None:
        self._db = db
        self._dialect = dialect

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await self._db.fetch(
            self._dialect.sql(
                "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY state"
            ),
            (broadcast_id,),
        )
        return {str(state): int(n) for state, n in rows}

    async def counts(self) -> dict[tuple[str, str], int]:
        rows = await self._db.fetch("SELECT kind, state, COUNT(*) FROM outbox GROUP BY 1, 2")
        return {(str(k), str(s)): int(n) for k, s, n in rows}

    async def states_of_chat(self, chat_id: int) -> list[str]:
        rows = await self._db.fetch(
            self._dialect.sql("SELECT state FROM outbox WHERE chat_id = ? ORDER BY id"),
            (chat_id,),
        )
        return [str(r[0]) for r in rows]
