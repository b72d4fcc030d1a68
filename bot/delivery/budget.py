"""A shared send budget: queued sends are paced, interactive replies go first.

Why our own limiter: PTB 22.8's ``AIORateLimiter`` has issue #5338 (a 429 halt is
released early when any other request finishes) and ``max_retries=0`` by default;
see ``reference/telegram-stack-notes.md``. This one is small enough to read whole.

Model: two rules, and every send must satisfy both.

1. **A timeline of slots** (GCRA: a "theoretical arrival time" ``tat``), one slot of
   ``interval = 1/rate`` seconds per send. It spreads sends out evenly and orders
   bulk against interactive work.
2. **A hard cap over a sliding window:** the times of the last ``window_capacity``
   sends (``floor(rate)``; bulk *and* interactive) are kept, and no send is granted
   before the oldest of them + 1 s + ``window_margin`` (2 ms). So no 1-second window
   ever holds more than ``rate`` sends — the shape of Telegram's limit as the fake
   Bot API enforces it (Telegram does not document the shape; the margin covers
   timer jitter between our clock and theirs). Grants are handed out in time order,
   so "the oldest of the last ``rate``" is simply the left end of a deque.

* **Bulk** sends (the outbox: reminders, broadcasts, notices) may take a slot once it
  has arrived (``now >= tat``). Slots stay on a fixed grid: taking one advances
  ``tat`` from ``max(tat, now - interval/2)``, not from ``now``, so when a wake-up is
  late (event-loop latency, ~1 ms at 30/s) the next send catches up instead of the
  lateness being lost for good; after a pause of more than half a slot the grid
  restarts. Catching up can put two sends half a slot apart, never more than
  ``rate`` into a second (rule 2). Exception for high rates: ``bulk_burst`` slots
  (default: 10 ms worth, so 1 — no burst — up to 199 msg/s and 10 at 1000 msg/s) may
  be taken early, because the event loop cannot sleep 1 ms per message precisely;
  without it a paid broadcast set to 1000/s reached only about half of that.
* **Interactive** sends (replies to a user's message or button press) skip the
  queue: they may run up to ``interactive_burst`` slots ahead of the timeline and
  are not held by a halt. Each takes its slot at once — pushing ``tat`` forward, so
  the queue yields to it — and reserves the earliest time rule 2 allows, which
  every later grant (bulk or interactive) must follow. When a broadcast fills the
  window, a reply therefore waits for the next send to age out of it (at most about
  one slot) and goes before the queue's next send; several simultaneous replies
  wait one slot each. Set ``rate`` a little under Telegram's 30/s (production: 25)
  to leave room for replies during a broadcast.
* :meth:`halt` (after a ``RetryAfter``) stops bulk sends until the halt ends. The
  halt only ever grows — a later, shorter 429 or a finished request cannot end it
  early, which is exactly bug #5338. Interactive sends are not halted: most 429s on
  them are per-chat, and the PTB adapter retries them itself.
* :meth:`set_rate` changes both rules at once; the window keeps the most recent
  sends, so lowering the rate right after a fast burst waits for that burst to age
  out of the window.
"""

from __future__ import annotations

import collections
import math
from typing import Final

from bot.delivery.clock import SYSTEM_CLOCK, Clock

MAX_RATE: Final = 1000.0
"""Telegram's ceiling with paid broadcasts (``allow_paid_broadcast``)."""
DEFAULT_RATE: Final = 30.0
WINDOW: Final = 1.0
"""The sliding window of the hard cap, in seconds."""
DEFAULT_WINDOW_MARGIN: Final = 0.002
_EPSILON: Final = 1e-9


def check_rate(rate: float) -> float:
    """Validate a messages-per-second setting (0 < rate <= 1000)."""
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 < rate <= MAX_RATE:
        raise ValueError(f"rate must be a number in (0, {MAX_RATE:g}] messages per second")
    return float(rate)


class SendBudget:
    """Shared pacing for queued and interactive sends (see the module docstring).

    ``sliding_window=False`` drops rule 2 (the hard cap); only for benchmarks that
    switch pacing off altogether (with a huge ``bulk_burst``).
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        interactive_burst: int = 3,
        bulk_burst: int | None = None,
        window_margin: float = DEFAULT_WINDOW_MARGIN,
        sliding_window: bool = True,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._rate = check_rate(rate)
        if interactive_burst < 0 or (bulk_burst is not None and bulk_burst < 1):
            raise ValueError("interactive_burst must be >= 0 and bulk_burst >= 1")
        if not 0 <= window_margin < WINDOW:
            raise ValueError("window_margin must be in [0, 1) seconds")
        self._burst = interactive_burst
        self._bulk_burst = bulk_burst
        self._span = WINDOW + window_margin
        self._capped = sliding_window
        self.clock = clock
        self._tat = clock.monotonic()
        self._halt_until = float("-inf")
        self._granted: collections.deque[float] = collections.deque(maxlen=self.window_capacity)
        """Times of the last ``window_capacity`` grants, oldest first (never decreasing)."""

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Change the pace at runtime (e.g. raise to 1000/s for a paid broadcast)."""
        self._rate = check_rate(rate)
        self._granted = collections.deque(self._granted, maxlen=self.window_capacity)

    @property
    def window_capacity(self) -> int:
        """Most sends any 1-second window may hold: ``floor(rate)``, at least 1."""
        return max(1, math.floor(self._rate + _EPSILON))

    @property
    def bulk_burst(self) -> int:
        """Bulk slots that may be taken ahead of time (1 = none; see the module docstring)."""
        if self._bulk_burst is not None:
            return self._bulk_burst
        return max(1, int(self._rate / 100))

    @property
    def interval(self) -> float:
        """Seconds per slot (one tick)."""
        return 1.0 / self._rate

    def _earliest_grant(self) -> float:
        """The earliest time the window (rule 2) and the order of grants allow a send."""
        granted = self._granted
        if not granted:
            return float("-inf")
        if self._capped and len(granted) == granted.maxlen:
            return max(granted[0] + self._span, granted[-1])
        return granted[-1]

    def bulk_delay(self) -> float:
        """Seconds until a bulk send may go (0 if it may go now). Does not reserve."""
        now = self.clock.monotonic()
        ready = max(
            self._tat - (self.bulk_burst - 1) * self.interval,
            self._halt_until,
            self._earliest_grant(),
        )
        return 0.0 if ready <= now + _EPSILON else ready - now

    def take_bulk(self) -> None:
        """Consume the current slot for a bulk send; call when :meth:`bulk_delay` is 0."""
        now = self.clock.monotonic()
        interval = self.interval
        self._tat = max(self._tat, now - interval / 2) + interval
        granted = self._granted
        granted.append(max(now, granted[-1]) if granted else now)

    async def acquire(self) -> float:
        """Wait for a bulk slot and take it; returns the seconds waited.

        Re-checks after every sleep, so interactive sends and halts that arrive
        meanwhile are honoured.
        """
        waited = 0.0
        while (delay := self.bulk_delay()) > 0:
            await self.clock.sleep(delay)
            waited += delay
        self.take_bulk()
        return waited

    async def acquire_interactive(self) -> float:
        """Take a slot for an interactive send, ahead of bulk work; returns the wait.

        The wait is 0 unless more than ``interactive_burst`` interactive sends are
        already ahead of the timeline (then about one tick per extra send) or the
        last second already holds ``rate`` sends (then until one ages out). The time
        is reserved at once, so no send granted meanwhile can take it.
        """
        now = self.clock.monotonic()
        start = max(now, self._tat - self._burst * self.interval, self._earliest_grant())
        self._tat = max(self._tat, now) + self.interval
        self._granted.append(start)
        wait = start - now
        if wait > _EPSILON:
            await self.clock.sleep(wait)
            return wait
        return 0.0

    def halt(self, seconds: float) -> None:
        """Pause bulk sends for ``seconds`` from now; never shortens an existing halt."""
        self._halt_until = max(self._halt_until, self.clock.monotonic() + max(0.0, seconds))

    def halted_for(self) -> float:
        """Seconds of halt left (0 if none)."""
        return max(0.0, self._halt_until - self.clock.monotonic())
