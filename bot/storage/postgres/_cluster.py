"""Coordination of several instances on one database: update turns and the send budget.

Update turns (:mod:`bot.cluster.update_order`): each instance records an update it
received (``update_id`` is unique, so a duplicate delivery is recognised); an update
is handled only when no earlier, still open update of the same chat exists, so a
chat's updates are handled once and in order whichever instance got them. An open
turn older than the lease (its instance died) no longer holds the chat up.

Instances (:mod:`bot.cluster.shared_budget`): each live instance keeps a row fresh;
the send rate is split between the live ones, and a 429 halt seen by one is shared
with all.
"""

from __future__ import annotations

import datetime as dt

from bot.storage.postgres.pool import PgPool
from bot.storage.timestamps import aware


class PgUpdateTurns:
    """Per-chat order of updates across instances (see the module docstring)."""

    def __init__(self, pool: PgPool) -> None:
        self._pool = pool

    async def accept(self, update_id: int, chat_id: int, owner: str, now: dt.datetime) -> bool:
        """Record an update; ``False`` if some instance already has it (a duplicate)."""
        rows = await self._pool.fetch(
            "INSERT INTO update_turns (update_id, chat_id, owner, accepted_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (update_id, chat_id, owner, aware(now)),
        )
        return bool(rows)

    async def accept_many(
        self, updates: list[tuple[int, int]], owner: str, now: dt.datetime
    ) -> set[int]:
        """Record many ``(update id, chat id)`` at once; the ids that were new."""
        if not updates:
            return set()
        update_ids, chat_ids = zip(*updates, strict=True)
        rows = await self._pool.fetch_apart(
            "INSERT INTO update_turns (update_id, chat_id, owner, accepted_at) "
            "SELECT u, c, %s, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t (u, c) "
            "ORDER BY u ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (owner, aware(now), list(update_ids), list(chat_ids)),
        )
        return {int(row[0]) for row in rows}

    async def is_next(self, update_id: int, chat_id: int, stale_before: dt.datetime) -> bool:
        """Whether no earlier open update of the chat (accepted after ``stale_before``) waits."""
        rows = await self._pool.fetch(
            "SELECT 1 FROM update_turns WHERE chat_id = %s AND update_id < %s "
            "AND done_at IS NULL AND accepted_at >= %s LIMIT 1",
            (chat_id, update_id, aware(stale_before)),
        )
        return not rows

    async def finish(self, update_id: int, now: dt.datetime) -> None:
        """The update was handled (or failed): later ones of the chat may go."""
        await self._pool.execute(
            "UPDATE update_turns SET done_at = %s WHERE update_id = %s", (aware(now), update_id)
        )

    async def prune(self, before: dt.datetime) -> int:
        """Forget turns finished (or abandoned) before ``before``."""
        return await self._pool.execute(
            "DELETE FROM update_turns WHERE done_at < %s OR (done_at IS NULL AND accepted_at < %s)",
            (aware(before), before),
        )


class PgInstances:
    """Live instances and the shared send halt."""

    def __init__(self, pool: PgPool) -> None:
        self._pool = pool

    async def heartbeat(
        self,
        instance: str,
        now: dt.datetime,
        stale_before: dt.datetime,
        halt_until: dt.datetime | None,
    ) -> tuple[int, dt.datetime | None]:
        """Mark ``instance`` alive (publishing its halt, if longer); returns how many
        instances are alive and the latest halt any of them announced."""
        async with self._pool.transaction() as conn:
            await conn.execute(
                "INSERT INTO instances (instance, seen_at, halt_until) VALUES (%s, %s, %s) "
                "ON CONFLICT (instance) DO UPDATE SET seen_at = excluded.seen_at, "
                "halt_until = GREATEST(instances.halt_until, excluded.halt_until)",
                (instance, aware(now), halt_until),
            )
            await conn.execute("DELETE FROM instances WHERE seen_at < %s", (aware(stale_before),))
            cur = await conn.execute(
                "SELECT COUNT(*), MAX(halt_until) FROM instances WHERE seen_at >= %s",
                (stale_before,),
            )
            row = await cur.fetchone()
        assert row is not None
        return int(row[0]), row[1]

    async def leave(self, instance: str) -> None:
        """A clean shutdown: the others take over its share of the rate at once."""
        await self._pool.execute("DELETE FROM instances WHERE instance = %s", (instance,))
