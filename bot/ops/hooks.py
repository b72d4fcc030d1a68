"""Start and stop the operations jobs with the bot: heartbeat and retention.

Why hooks and not code in the Telegram layer: ``build_application`` takes
``on_startup``/``on_shutdown`` hooks for background work, so operations stay in
this package and tests can build the application with or without them.

Start runs after storage is open (PTB's ``post_init``); stop runs before storage is
closed. Neither job is an ``Application.create_task`` task, so ``Application.stop``
(which waits for those) is never held up by them: on SIGTERM PTB first stops
fetching updates, then finishes every update already fetched, and only then are
these jobs stopped and the heartbeat file removed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from bot.ops.heartbeat import Heartbeat, Probe
from bot.ops.retention import RetentionJob
from bot.settings import Settings
from bot.telegram.services import LifecycleHook, services_of

logger = logging.getLogger(__name__)

OPS_KEY = "hamroh.ops"


@dataclass
class OpsJobs:
    """The running jobs, kept in ``application.bot_data[OPS_KEY]`` between the hooks."""

    heartbeat: Heartbeat
    retention: RetentionJob

    async def stop(self) -> None:
        await self.retention.stop()
        await self.heartbeat.stop()


class DatabaseFile:
    """The SQLite file the bot opened, to notice it being deleted or replaced under it.

    SQLite keeps working on a file that was deleted (or moved, or replaced by a restored
    copy) while it is open: every answer, reminder and queued message written after
    that is lost when the bot stops, and nothing else would say so. The heartbeat asks
    :meth:`problem` each beat; a problem stops the beats (``hamroh health`` fails) and
    is logged once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity = self._stat()
        self.told = False

    def _stat(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def problem(self) -> str | None:
        if self._identity is None:
            return None
        now = self._stat()
        if now == self._identity:
            return None
        what = "deleted" if now is None else "replaced by another file"
        return (
            f"the database file {self.path} was {what} while the bot runs; what it writes "
            "now is lost when it stops: stop it, put the file back (or restore a backup) "
            "and start it again"
        )


def make_probe(
    application: Application,  # type: ignore[type-arg]
    database_file: DatabaseFile | None = None,
) -> Probe:
    """Alive = application and updater (polling or webhook) running, storage answers, and
    the SQLite file is still the one the bot opened."""

    async def probe() -> bool:
        if not application.running:
            return False
        if database_file is not None:
            problem = database_file.problem()
            if problem is not None:
                if not database_file.told:
                    logger.error(problem)
                    database_file.told = True
                return False
        updater = application.updater
        if updater is not None and not updater.running:
            return False
        try:
            await services_of(application).storage.get_user(0)
        except Exception as error:
            logger.warning("heartbeat: storage did not answer: %s", type(error).__name__)
            return False
        return True

    return probe


def ops_hooks(settings: Settings) -> tuple[list[LifecycleHook], list[LifecycleHook]]:
    """``(on_startup, on_shutdown)`` for :func:`bot.telegram.app.build_application`."""

    async def start_ops(application: Application) -> None:  # type: ignore[type-arg]
        services = services_of(application)
        jobs = OpsJobs(
            heartbeat=Heartbeat(
                settings.heartbeat_file,
                make_probe(
                    application,
                    None if settings.database_url else DatabaseFile(settings.db_path),
                ),
                interval=settings.heartbeat_interval,
            ),
            retention=RetentionJob(
                lambda: services.storage,
                services.clock,
                inactive_days=settings.inactive_days,
                outbox_keep_days=settings.outbox_keep_days,
            ),
        )
        application.bot_data[OPS_KEY] = jobs
        jobs.heartbeat.start()
        jobs.retention.start()

    async def stop_ops(application: Application) -> None:  # type: ignore[type-arg]
        jobs = application.bot_data.pop(OPS_KEY, None)
        if isinstance(jobs, OpsJobs):
            await jobs.stop()

    return [start_ops], [stop_ops]
