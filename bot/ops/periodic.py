"""A background coroutine run every N seconds until stopped.

Why not PTB's ``JobQueue``: it needs the ``job-queue`` extra (APScheduler), which the
bot does not install, and its jobs are awaited by ``Application.stop``. Our jobs
(heartbeat, retention) are plain asyncio tasks that the shutdown hooks stop
explicitly, so they can never hold up "finish the updates in flight".

A failing run is logged (type only: exception messages may quote user data) and
the next run happens on schedule; one bad night must not stop retention for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class Periodic:
    """Run ``action`` after ``first_delay`` seconds, then every ``interval`` seconds."""

    def __init__(
        self,
        name: str,
        action: Callable[[], Awaitable[object]],
        interval: float,
        *,
        first_delay: float = 0.0,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.name = name
        self._action = action
        self._interval = interval
        self._first_delay = max(0.0, first_delay)
        self._task: asyncio.Task[None] | None = None
        self.runs = 0
        """Completed runs (successful or not); tests wait on it."""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the background task (idempotent)."""
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name=f"hamroh-{self.name}")

    async def stop(self) -> None:
        """Cancel the task and wait for it; a run in progress is cancelled too.

        Safe for our jobs: storage work is transactional, so a cancelled retention
        run rolls back and the next start does it again.
        """
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> None:
        """One run with the job's error handling (also used by the loop)."""
        try:
            await self._action()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.error("job %s failed: %s", self.name, type(error).__name__)
        finally:
            self.runs += 1

    async def _loop(self) -> None:
        await asyncio.sleep(self._first_delay)
        while True:
            await self.run_once()
            await asyncio.sleep(self._interval)
