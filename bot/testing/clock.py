"""A fake clock whose ``sleep`` advances time instead of waiting.

Why: delivery pacing, ``RetryAfter`` waits and back-offs take seconds to minutes in
real time. With :class:`FakeClock` shared by the sender and the fake Bot API, a test
of a rate-limited broadcast with 429s runs in milliseconds and always the same way.

Semantics: ``sleep(d)`` yields once to the event loop, then moves the clock to
``max(now, start + d)`` where ``start`` is the time ``sleep`` was called. Concurrent
sleepers therefore overlap instead of adding up (two tasks sleeping 1 s from t=0 both
wake at t=1), which keeps rates measured on this clock honest.
"""

from __future__ import annotations

import asyncio
import datetime as dt

DEFAULT_START = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


class FakeClock:
    """Deterministic clock implementing :class:`bot.delivery.clock.Clock`."""

    def __init__(self, start: dt.datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self._elapsed = 0.0
        self.sleeps: list[float] = []
        """Every duration passed to :meth:`sleep`, for assertions."""

    def now(self) -> dt.datetime:
        """Start time plus elapsed fake seconds, in UTC."""
        return (self._start + dt.timedelta(seconds=self._elapsed)).astimezone(dt.UTC)

    def monotonic(self) -> float:
        """Elapsed fake seconds."""
        return self._elapsed

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (negative values are ignored)."""
        self._elapsed += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        """Yield once, then advance the clock to the wake-up time of this sleeper."""
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        wake_at = self._elapsed + seconds
        await asyncio.sleep(0)
        if wake_at > self._elapsed:
            self._elapsed = wake_at
