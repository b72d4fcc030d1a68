"""A shared send budget: queued sends are paced, interactive replies go first.

Why our own limiter: PTB 22.8's ``AIORateLimiter`` has issue #5338 (a 429 halt is
released early when any other request finishes) and ``max_retries=0`` by default;
see ``reference/telegram-stack-notes.md``. This one is small enough to read whole.

Model (GCRA, a token bucket expressed as a "theoretical arrival time" ``tat``):
every send occupies one slot of ``1/rate`` seconds on a shared timeline.

* **Bulk** sends (the outbox: reminders, broadcasts, notices) may only take a slot
  that has arrived (``now >= tat``), so they never exceed ``rate`` and never burst.
  Exception for high rates: ``bulk_burst`` slots (default: 10 ms worth, so 1 — no
  burst — up to 199 msg/s and 10 at 1000 msg/s) may be taken early, because the event
  loop cannot sleep 1 ms per message precisely; without it a paid broadcast set to
  1000/s reached only about half of that.
* **Interactive** sends (replies to a user's message or button press) may run up
  to ``interactive_burst`` slots ahead of the timeline. They take their slot at
  once, pushing ``tat`` forward, so the queue yields to them: a big broadcast delays
  an interactive reply by zero slots, and the total stays within ``rate`` plus that
  small burst. Set ``rate`` a little under Telegram's 30/s (e.g. 25) if you want no
  429s even when many users press buttons during a broadcast.
* :meth:`halt` (after a ``RetryAfter``) stops bulk sends until the halt ends. The
  halt only ever grows — a later, shorter 429 or a finished request cannot end it
  early, which is exactly bug #5338. Interactive sends are not halted: most 429s on
  them are per-chat, and the PTB adapter retries them itself.
"""

from __future__ import annotations

from typing import Final

from bot.delivery.clock import SYSTEM_CLOCK, Clock

MAX_RATE: Final = 1000.0
"""Telegram's ceiling with paid broadcasts (``allow_paid_broadcast``)."""
DEFAULT_RATE: Final = 30.0
_EPSILON: Final = 1e-9


def check_rate(rate: float) -> float:
    """Validate a messages-per-second setting (0 < rate <= 1000)."""
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 < rate <= MAX_RATE:
        raise ValueError(f"rate must be a number in (0, {MAX_RATE:g}] messages per second")
    return float(rate)


class SendBudget:
    """Shared pacing for queued and interactive sends (see the module docstring)."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        interactive_burst: int = 3,
        bulk_burst: int | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._rate = check_rate(rate)
        if interactive_burst < 0 or (bulk_burst is not None and bulk_burst < 1):
            raise ValueError("interactive_burst must be >= 0 and bulk_burst >= 1")
        self._burst = interactive_burst
        self._bulk_burst = bulk_burst
        self.clock = clock
        self._tat = clock.monotonic()
        self._halt_until = float("-inf")

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Change the pace at runtime (e.g. raise to 1000/s for a paid broadcast)."""
        self._rate = check_rate(rate)

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

    def bulk_delay(self) -> float:
        """Seconds until a bulk send may go (0 if it may go now). Does not reserve."""
        now = self.clock.monotonic()
        ready = max(self._tat - (self.bulk_burst - 1) * self.interval, self._halt_until)
        return 0.0 if ready <= now + _EPSILON else ready - now

    def take_bulk(self) -> None:
        """Consume the current slot for a bulk send; call when :meth:`bulk_delay` is 0."""
        self._tat = max(self._tat, self.clock.monotonic()) + self.interval

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
        already ahead of the timeline; then it is at most one tick per extra send.
        """
        now = self.clock.monotonic()
        start = max(now, self._tat - self._burst * self.interval)
        self._tat = max(self._tat, now) + self.interval
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
