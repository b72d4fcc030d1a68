"""One send budget for all instances: the rate split between the live ones, halts shared.

Why not a token per message from the database: the budget paces every send on the
event loop (``SendBudget`` is synchronous by design, see :mod:`bot.delivery.budget`);
a database trip per message would put the database in every reply's path. Instead
each instance keeps a row in ``instances`` fresh every second and sets its own
budget to ``total rate / live instances``; a ``RetryAfter`` halt one of them got is
published there and applied by all. The sum stays at the total rate, except for up
to one sync interval after an instance joins (the others still run at the old
share): at 25 msg/s and two instances, at most about 12 messages more in that second,
inside the margin the default rate leaves under Telegram's ~30/s.

An instance that stops cleanly leaves at once; a killed one stops counting after
:data:`STALE_AFTER`.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.delivery.budget import SendBudget
from bot.delivery.clock import Clock
from bot.ops.periodic import Periodic
from bot.storage.interface import Instances

logger = logging.getLogger(__name__)

SYNC_EVERY = 1.0
STALE_AFTER = dt.timedelta(seconds=5)


class SharedBudgetSync:
    """Keeps one instance's :class:`SendBudget` in step with the others."""

    def __init__(
        self,
        budget: SendBudget,
        instances: Instances,
        *,
        instance: str,
        total_rate: float,
        clock: Clock,
        every: float = SYNC_EVERY,
        stale_after: dt.timedelta = STALE_AFTER,
    ) -> None:
        self._budget = budget
        self._instances = instances
        self.instance = instance
        self._total = total_rate
        self._clock = clock
        self._stale_after = stale_after
        self.alive = 1
        self._job = Periodic("shared-budget", self.sync_once, every, first_delay=0.0)

    async def sync_once(self) -> None:
        """Heartbeat, publish our halt, take our share of the rate and the shared halt."""
        now = self._clock.now()
        halted = self._budget.halted_for()
        halt_until = now + dt.timedelta(seconds=halted) if halted > 0 else None
        alive, shared_halt = await self._instances.heartbeat(
            self.instance, now, now - self._stale_after, halt_until
        )
        self.alive = max(1, alive)
        share = self._total / self.alive
        if abs(share - self._budget.rate) > 1e-9:
            logger.info("send rate %.2f msg/s: %d instances share %.1f", share, alive, self._total)
            self._budget.set_rate(share)
        if shared_halt is not None and shared_halt > now:
            self._budget.halt((shared_halt - now).total_seconds())

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
        try:
            await self._instances.leave(self.instance)
        except Exception as error:  # the row goes stale on its own
            logger.warning("could not leave the instance list: %s", type(error).__name__)
