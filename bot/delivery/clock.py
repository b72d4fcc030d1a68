"""The clock the delivery code reads and sleeps on.

Why injected: pacing, back-off and ``RetryAfter`` waits are all about time. With a
fake clock the tests run a 30 msg/s broadcast of hundreds of messages, with 429s and
back-offs, in milliseconds and deterministically; nothing in ``bot.delivery`` calls
``time`` or ``asyncio.sleep`` directly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    """Wall time for timestamps, monotonic time for intervals, and sleeping."""

    def now(self) -> dt.datetime:
        """The current wall-clock time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for rates and intervals)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep for ``seconds`` (``<= 0`` just yields to the event loop)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """``datetime.now(UTC)``."""
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()
