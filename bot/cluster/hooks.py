"""Start and stop the cluster jobs with the bot (``hamroh run`` adds these hooks).

On a database one process owns (SQLite) they do nothing.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.cluster.leases import LeaseKeeper
from bot.cluster.shared_budget import SharedBudgetSync
from bot.cluster.update_order import SharedOrderUpdateProcessor, instance_name
from bot.delivery.outbox import Outbox
from bot.telegram.services import LifecycleHook, services_of

CLUSTER_KEY = "hamroh.cluster"


def cluster_hooks(total_rate: float) -> tuple[list[LifecycleHook], list[LifecycleHook]]:
    """``(on_startup, on_shutdown)``: the shared budget and the lease keeper."""

    async def start(application: Application) -> None:  # type: ignore[type-arg]
        services = services_of(application)
        coordination = services.storage.coordination
        if coordination is None:
            return
        processor = application.update_processor
        name = (
            processor.owner
            if isinstance(processor, SharedOrderUpdateProcessor)
            else instance_name()
        )
        outbox = services.outbox or Outbox(services.storage, clock=services.clock)
        jobs = (
            SharedBudgetSync(
                services.budget,
                coordination.instances,
                instance=name,
                total_rate=total_rate,
                clock=services.clock,
            ),
            LeaseKeeper(outbox, coordination.turns, services.clock),
        )
        for job in jobs:
            job.start()
        application.bot_data[CLUSTER_KEY] = jobs

    async def stop(application: Application) -> None:  # type: ignore[type-arg]
        for job in application.bot_data.pop(CLUSTER_KEY, ()):
            await job.stop()

    return [start], [stop]
