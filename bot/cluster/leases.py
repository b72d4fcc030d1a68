"""Work a dead instance had claimed goes back to the queue after a lease.

Why a lease rather than "re-queue everything at start" (which is right for one
process): with several instances, another one's ``sending`` rows are alive. Every
instance periodically returns rows claimed more than :data:`DEFAULT_LEASE` ago to
``pending``, so a killed instance's claims are sent by the others within about a
lease and a half. The lease must be longer than a live sender holds a row: at most a
claim batch at its pace (seconds), a ``RetryAfter`` wait, or the longest network back-off
(300 s). Rows of a killed instance that Telegram had already accepted are sent again:
the in-flight window (at most the sender's claim batch, 100 rows, plus its unrecorded
marks, 50) bounds those duplicates, as documented in :mod:`bot.delivery.outbox`.

It also forgets old update turns (:mod:`bot.cluster.update_order`).
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.delivery.clock import Clock
from bot.delivery.outbox import DEFAULT_LEASE, Outbox
from bot.ops.periodic import Periodic
from bot.storage.interface import UpdateTurns

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_LEASE", "LeaseKeeper"]

TURNS_KEPT = dt.timedelta(hours=1)


class LeaseKeeper:
    """Every half lease: expired claims back to ``pending``, old update turns forgotten."""

    def __init__(
        self,
        outbox: Outbox,
        turns: UpdateTurns | None,
        clock: Clock,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
    ) -> None:
        self._outbox = outbox
        self._turns = turns
        self._clock = clock
        self.lease = lease
        self._job = Periodic("leases", self.run_once, lease.total_seconds() / 2)

    async def run_once(self) -> int:
        now = self._clock.now()
        recovered = await self._outbox.recover_in_flight(claimed_before=now - self.lease)
        if self._turns is not None:
            await self._turns.prune(now - TURNS_KEPT)
        return recovered

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
