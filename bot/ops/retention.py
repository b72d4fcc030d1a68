"""Retention: delete people who stopped using the bot, and old send-queue rows.

Why: the database holds the migration status of people who may be undocumented;
data we no longer need is only a risk to them (DESIGN.md, "Privacy"). /privacy
tells every user the period (``HAMROH_INACTIVE_DAYS``, default 180 days).

What is deleted each run:

* users whose last message to the bot is older than ``inactive_days``, with their
  answers, interview state, reminders and outbox rows (``Storage.purge_inactive``);
* finished outbox rows (sent, failed, dropped) older than ``outbox_keep_days``,
  and broadcasts with no rows left (``Storage.queue.prune``). Their texts are already
  cleared on delivery; what remains is "chat X got something at time T", which is
  worth keeping only a few days for /stats and broadcast progress.

"Inactive" means no message or button press from the user: reminders the bot
sends do not count, so someone who only receives reminders is deleted too, as
/privacy says.

The job runs shortly after start and then once a day; ``hamroh db retention``
runs it once by hand. Logs carry counts only.

Why in batches: ``purge_inactive`` is one transaction on the connection every
handler shares. Purging 100,000 of 1,000,000 users in one go held it for 11 s
(BENCHMARKS.md, benchmark 4) — the first run after lowering the period, or after a
long outage, would freeze the bot. Users go oldest first, ``batch`` at a time, with
the event loop free between batches; a day's usual share is one batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.delivery.clock import Clock
from bot.ops.periodic import Periodic
from bot.storage import Storage

logger = logging.getLogger(__name__)

DEFAULT_OUTBOX_KEEP_DAYS = 7
BATCH = 2000
"""Users deleted per transaction (about 0.2 s of holding the connection at 1M users)."""
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
    batch: int = BATCH,
) -> RetentionReport:
    """Delete inactive users and old finished outbox rows once; returns the counts.

    ``prune_outbox`` defaults to the storage's own send queue (``storage.queue.prune``);
    users go first so their outbox rows go with them whatever their state.
    """
    if inactive_days < 1 or outbox_keep_days < 0:
        raise ValueError("inactive_days must be >= 1 and outbox_keep_days >= 0")
    users_cutoff = now - dt.timedelta(days=inactive_days)
    outbox_cutoff = now - dt.timedelta(days=outbox_keep_days)
    users = await purge_in_batches(storage, users_cutoff, batch)
    prune = storage.queue.prune if prune_outbox is None else prune_outbox
    pruned = await prune(outbox_cutoff)
    logger.info(
        "retention: deleted %d users inactive for %d days, pruned %d finished outbox rows",
        users,
        inactive_days,
        pruned,
    )
    return RetentionReport(users, pruned, users_cutoff, outbox_cutoff)


async def purge_in_batches(storage: Storage, cutoff: dt.datetime, batch: int = BATCH) -> int:
    """``purge_inactive(cutoff)`` split into transactions of at most ``batch`` users.

    Each step purges below the last-seen time of the ``batch``-th oldest stale user,
    so it deletes fewer than ``batch`` (ties on that exact time wait for the next
    step).
    """
    if batch < 1:
        raise ValueError("batch must be >= 1")
    total = 0
    while True:
        boundary = await storage.nth_stale_last_seen(cutoff, batch - 1)
        step = cutoff if boundary is None else min(cutoff, boundary)
        deleted = await storage.purge_inactive(step)
        total += deleted
        if step >= cutoff:
            return total
        if deleted == 0:  # more than `batch` users share the oldest time: take them all
            return total + await storage.purge_inactive(cutoff)
        await asyncio.sleep(0)  # let waiting handlers have the connection


def outbox_pruner(storage: Storage) -> PruneOutbox:
    """The storage's own send-queue pruning (kept for callers that pass it explicitly)."""
    return storage.queue.prune


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
