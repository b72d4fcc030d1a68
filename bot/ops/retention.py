"""Retention: delete people who stopped using the bot, and old send-queue rows.

Why: the database holds the migration status of people who may be undocumented;
data we no longer need is only a risk to them (DESIGN.md, "Privacy"). /privacy
tells every user the period (``HAMROH_INACTIVE_DAYS``, default 180 days).

What is deleted each run:

* users whose last message to the bot is older than ``inactive_days``, with their
  answers, interview state, reminders and outbox rows (``Storage.purge_inactive``);
* finished outbox rows (sent, failed, dropped) older than ``outbox_keep_days``,
  and broadcasts with no rows left (``Outbox.prune``). Their texts are already
  cleared on delivery; what remains is "chat X got something at time T", which is
  worth keeping only a few days for /stats and broadcast progress.

"Inactive" means no message or button press from the user: reminders the bot
sends do not count, so someone who only receives reminders is deleted too, as
/privacy says.

The job runs shortly after start and then once a day; ``hamroh db retention``
runs it once by hand. Logs carry counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.delivery.clock import Clock
from bot.ops.periodic import Periodic
from bot.storage import Storage

logger = logging.getLogger(__name__)

DEFAULT_OUTBOX_KEEP_DAYS = 7
RUN_EVERY = dt.timedelta(days=1)
FIRST_RUN_AFTER = dt.timedelta(minutes=1)
"""Not at once: a restart loop must not turn into a purge loop, and start-up stays quick."""

PruneOutbox = Callable[[dt.datetime], Awaitable[int]]


@dataclass(frozen=True)
class RetentionReport:
    """What one run deleted (counts only) and the cut-off times it used."""

    users_deleted: int
    outbox_rows_pruned: int
    users_cutoff: dt.datetime
    outbox_cutoff: dt.datetime


async def run_retention(
    storage: Storage,
    now: dt.datetime,
    *,
    inactive_days: int,
    outbox_keep_days: int = DEFAULT_OUTBOX_KEEP_DAYS,
    prune_outbox: PruneOutbox | None = None,
) -> RetentionReport:
    """Delete inactive users and old finished outbox rows once; returns the counts.

    ``prune_outbox`` is ``Outbox.prune`` when the storage has an outbox (SQLite does);
    users go first so their outbox rows go with them whatever their state.
    """
    if inactive_days < 1 or outbox_keep_days < 0:
        raise ValueError("inactive_days must be >= 1 and outbox_keep_days >= 0")
    users_cutoff = now - dt.timedelta(days=inactive_days)
    outbox_cutoff = now - dt.timedelta(days=outbox_keep_days)
    users = await storage.purge_inactive(users_cutoff)
    pruned = await prune_outbox(outbox_cutoff) if prune_outbox is not None else 0
    logger.info(
        "retention: deleted %d users inactive for %d days, pruned %d finished outbox rows",
        users,
        inactive_days,
        pruned,
    )
    return RetentionReport(users, pruned, users_cutoff, outbox_cutoff)


def outbox_pruner(storage: Storage) -> PruneOutbox | None:
    """``Outbox(storage).prune`` for the SQLite storage, ``None`` for others."""
    if not hasattr(storage, "connection"):
        return None
    from bot.delivery.outbox import Outbox

    return Outbox(storage).prune  # type: ignore[arg-type]


class RetentionJob:
    """:func:`run_retention` after :data:`FIRST_RUN_AFTER`, then every :data:`RUN_EVERY`."""

    def __init__(
        self,
        storage: Callable[[], Storage],
        clock: Clock,
        *,
        inactive_days: int,
        outbox_keep_days: int = DEFAULT_OUTBOX_KEEP_DAYS,
        every: dt.timedelta = RUN_EVERY,
        first_run_after: dt.timedelta = FIRST_RUN_AFTER,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._inactive_days = inactive_days
        self._outbox_keep_days = outbox_keep_days
        self.last_report: RetentionReport | None = None
        self._job = Periodic(
            "retention",
            self.run_once,
            every.total_seconds(),
            first_delay=first_run_after.total_seconds(),
        )

    @property
    def runs(self) -> int:
        return self._job.runs

    async def run_once(self) -> RetentionReport:
        storage = self._storage()
        self.last_report = await run_retention(
            storage,
            self._clock.now(),
            inactive_days=self._inactive_days,
            outbox_keep_days=self._outbox_keep_days,
            prune_outbox=outbox_pruner(storage),
        )
        return self.last_report

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        await self._job.stop()
