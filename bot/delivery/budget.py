"""The bot's send budget: replies go first, bulk sends are paced and learn Telegram's limit.

Why our own limiter: PTB 22.8's ``AIORateLimiter`` has issue #5338 (a 429 halt is
released early when any other request finishes) and ``max_retries=0`` by default;
see ``reference/telegram-stack-notes.md``. Telegram does not publish its real limits
(they vary with the bot and its traffic), so the only sure signal is its 429. This
module is small enough to read whole.

Two kinds of sends share one :class:`SendBudget`:

* **Replies** (interactive: the answer to a person's message or button press) go at
  once, uncapped by us, while Telegram accepts them. Each one takes a slot of the
  bulk timeline, so the queue gives way to it.
* **Bulk sends** (the outbox: reminders, broadcasts, notices) are paced at the bulk
  rate on a timeline of slots (GCRA, a "theoretical arrival time" ``tat``), and no
  sliding second ever holds more than ``floor(bulk rate)`` sends, replies included
  (the window keeps the times of every send of the last second; a bulk send waits
  until the oldest that would make one too many has aged out, plus ``window_margin``
  for timer jitter). Slots stay on a fixed grid: taking one advances ``tat`` from
  ``max(tat, now - CATCH_UP)`` (250 ms, or half a slot at low rates), so the sends
  a late wake-up missed are made up at once — on a busy machine the event loop is
  often late by more than a slot at 60/s, which cost 15 % of the rate.
  At high rates ``bulk_burst`` slots (10 ms worth) may be taken early, because the
  event loop cannot sleep 1 ms per message precisely.

**A 429 on any call** (:meth:`flood`) pauses *every* send — replies too — for the
time Telegram asked; the pause only ever grows, so a later, shorter 429 or a
finished request cannot end it early (that is bug #5338). It also cuts the bulk
rate (AIMD, multiplicative decrease): when the queue was near its pace, the sends
Telegram accepted in the last second are its limit right now (``ceiling``) and the
rate drops to ``decrease`` × that; on light traffic (a per-chat limit, most likely)
the rate is cut by ``decrease``. Afterwards the rate recovers step by step (additive
increase: ``step`` msg/s every ``step_seconds``) up to :attr:`holding_rate` (``hold``
× the ceiling, or one message a second under it), stays
there, and only after ``probe_after`` seconds without a 429 climbs on towards the
set rate — so a limit that rose is found again, at most one 429 per ``probe_after``.
The set rate (:attr:`rate`, a setting) is never exceeded.

Public interface (used by the sender, the PTB adapter and a shared budget for
several processes):

* :meth:`bulk_delay` / :meth:`take_bulk` (or :meth:`acquire`) — a bulk slot, and
  :meth:`departed` when that send really leaves;
* :meth:`acquire_interactive` — a reply's slot (waits only for a flood pause);
* :meth:`wait_out_halt` — any other call (answering a button) waits for the pause;
* :meth:`flood` after a 429 (pauses everyone, cuts the pace); :meth:`halt` after a
  network error (pauses bulk sends only, no cut);
* :attr:`rate` / :meth:`set_rate` — the set rate; :attr:`bulk_rate` — the pace now;
  :attr:`ceiling` — the limit learnt from the last 429 (``None``: not known).
"""

from __future__ import annotations

import collections
import contextlib
import math
from typing import Final

from bot.delivery.clock import SYSTEM_CLOCK, Clock

MAX_RATE: Final = 1000.0
"""Telegram's ceiling with paid broadcasts (``allow_paid_broadcast``)."""
DEFAULT_RATE: Final = 30.0
WINDOW: Final = 1.0
"""The sliding window of the hard cap, in seconds."""
DEFAULT_WINDOW_MARGIN: Final = 0.002
CATCH_UP: Final = 0.25
"""Seconds of lateness the bulk timeline makes up for (never past the window's cap)."""
MIN_BULK_RATE: Final = 1.0
"""The bulk rate never drops below one message a second."""
_EPSILON: Final = 1e-9


def check_rate(rate: float) -> float:
    """Validate a messages-per-second setting (0 < rate <= 1000)."""
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 < rate <= MAX_RATE:
        raise ValueError(f"rate must be a number in (0, {MAX_RATE:g}] messages per second")
    return float(rate)


class SendBudget:
    """Shared pacing for queued and interactive sends (see the module docstring).

    ``sliding_window=False`` drops the hard cap; only for benchmarks that switch
    pacing off altogether (with a huge ``bulk_burst``).
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        bulk_burst: int | None = None,
        window_margin: float = DEFAULT_WINDOW_MARGIN,
        sliding_window: bool = True,
        decrease: float = 0.9,
        hold: float = 0.98,
        step_seconds: float = 1.0,
        probe_after: float = 120.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._rate = check_rate(rate)
        if bulk_burst is not None and bulk_burst < 1:
            raise ValueError("bulk_burst must be >= 1")
        if not 0 <= window_margin < WINDOW:
            raise ValueError("window_margin must be in [0, 1) seconds")
        if not (0 < decrease < 1 and 0 < hold <= 1 and step_seconds > 0 and probe_after > 0):
            raise ValueError("need 0 < decrease < 1, 0 < hold <= 1, step_seconds, probe_after > 0")
        self._bulk_burst = bulk_burst
        self._span = WINDOW + window_margin
        self._capped = sliding_window
        self.decrease = decrease
        self.hold = hold
        self.step_seconds = step_seconds
        self.probe_after = probe_after
        self.clock = clock
        self._bulk_rate = self._rate
        self._ceiling: float | None = None
        self._step = self._step_for(self._rate)
        self._stepped_at = self._flood_at = float("-inf")
        self._tat = clock.monotonic()
        self._halt_until = float("-inf")  # bulk sends (network trouble)
        self._paused_until = float("-inf")  # every send (a 429)
        self._last_bulk_at = self._busy_since = float("-inf")
        self._counted = False  # the current pause's ceiling was counted from the window
        self._sent: collections.deque[float] = collections.deque()
        """Times of the sends of the last ``WINDOW + margin`` seconds, oldest first."""
        self.floods = 0
        """429s reported with :meth:`flood` (for logs and benchmarks)."""

    # ------------------------------------------------------------------ rates
    @property
    def rate(self) -> float:
        """The set rate (messages per second): the bulk pace never goes above it."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Change the set rate at runtime (e.g. 1000/s for a paid broadcast).

        A deliberate change: the bulk pace moves to it and what was learnt is forgotten.
        """
        self._rate = self._bulk_rate = check_rate(rate)
        self._ceiling = None
        self._step = self._step_for(rate)

    @property
    def bulk_rate(self) -> float:
        """The bulk pace now (lower than :attr:`rate` for a while after a 429)."""
        self._recover(self.clock.monotonic())
        return self._bulk_rate

    @property
    def ceiling(self) -> float | None:
        """Sends per second Telegram accepted before its last 429 (``None``: none seen, or
        quiet for ``probe_after`` seconds since)."""
        self._recover(self.clock.monotonic())
        return self._ceiling

    @property
    def window_capacity(self) -> int:
        """Most sends any 1-second window may hold for a bulk send to go.

        ``floor(bulk rate)``; below a known ceiling, ``ceil`` of it, but never more than
        the ceiling (29.4/s under a ceiling of 30: 30, so the floor does not cost a
        message a second; the pace still averages 29.4).
        """
        self._recover(self.clock.monotonic())
        return self._capacity()

    def _capacity(self) -> int:
        rate = self._bulk_rate
        if self._ceiling is not None and rate < self._ceiling:
            return max(1, min(math.ceil(rate - _EPSILON), math.floor(self._ceiling + _EPSILON)))
        return max(1, math.floor(rate + _EPSILON))

    @property
    def bulk_burst(self) -> int:
        """Bulk slots that may be taken ahead of time (1 = none; see the module docstring)."""
        if self._bulk_burst is not None:
            return self._bulk_burst
        return max(1, int(self.bulk_rate / 100))

    @property
    def interval(self) -> float:
        """Seconds per bulk slot (one tick)."""
        return 1.0 / self.bulk_rate

    @property
    def holding_rate(self) -> float:
        """Where the pace stays below a known ceiling: ``hold`` × it, or one message a
        second under it when that is closer (60/s: 59, not 58.8)."""
        if self._ceiling is None:
            return self._rate
        return max(self.hold * self._ceiling, self._ceiling - 1.0, MIN_BULK_RATE)

    @staticmethod
    def _step_for(rate: float) -> float:
        return max(0.5, 0.03 * rate)

    def _busy(self, now: float) -> bool:
        """Whether the queue is sending back to back (its pace is what Telegram sees):
        no gap longer than two slots or than the lateness it makes up for."""
        return now - self._last_bulk_at <= max(2.0 / self._bulk_rate, CATCH_UP) + _EPSILON

    def _recover(self, now: float) -> None:
        """Additive increase: ``step`` msg/s per ``step_seconds`` without a 429."""
        if self._bulk_rate >= self._rate:
            return
        if self._ceiling is not None and now - self._flood_at >= self.probe_after:
            self._ceiling = None  # quiet long enough: look for a higher limit again
            self._step = self._step_for(self._rate)
            self._stepped_at = max(self._stepped_at, self._flood_at + self.probe_after)
        target = self._rate if self._ceiling is None else min(self._rate, self.holding_rate)
        if self._bulk_rate >= target - _EPSILON:
            self._stepped_at = now
            return
        steps = math.floor((now - self._stepped_at) / self.step_seconds + _EPSILON)
        if steps > 0:
            self._stepped_at += steps * self.step_seconds
            self._bulk_rate = min(target, self._bulk_rate + steps * self._step)

    # ------------------------------------------------------------------ the window
    def _window(self, now: float) -> collections.deque[float]:
        sent = self._sent
        while sent and sent[0] <= now - self._span:
            sent.popleft()
        return sent

    def _record(self, now: float) -> float:
        sent = self._window(now)
        sent.append(max(now, sent[-1]) if sent else now)
        return sent[-1]

    def _earliest_bulk(self, now: float) -> float:
        """The earliest time the window and the order of sends allow a bulk send."""
        sent = self._window(now)
        if not sent:
            return float("-inf")
        capacity = self._capacity()
        if self._capped and len(sent) >= capacity:
            return max(sent[len(sent) - capacity] + self._span, sent[-1])
        return sent[-1]

    def sent_in_last_second(self) -> int:
        """Sends (bulk and replies) granted in the last second."""
        now = self.clock.monotonic()
        return sum(1 for t in self._window(now) if t > now - WINDOW)

    # ------------------------------------------------------------------ bulk
    def bulk_delay(self) -> float:
        """Seconds until a bulk send may go (0 if it may go now). Does not reserve."""
        now = self.clock.monotonic()
        self._recover(now)
        interval = 1.0 / self._bulk_rate
        ready = max(
            self._tat - (self.bulk_burst - 1) * interval,
            self._halt_until,
            self._paused_until,
            self._earliest_bulk(now),
        )
        return 0.0 if ready <= now + _EPSILON else ready - now

    def take_bulk(self) -> float:
        """Consume the current slot for a bulk send; call when :meth:`bulk_delay` is 0.

        Returns the time the send is counted at; pass it to :meth:`departed` when
        the request really leaves, if that can be later.
        """
        now = self.clock.monotonic()
        interval = 1.0 / self._bulk_rate
        if not self._busy(now):
            self._busy_since = now
        self._last_bulk_at = now
        self._tat = max(self._tat, now - max(CATCH_UP, interval / 2)) + interval
        return self._record(now)

    def departed(self, counted_at: float) -> None:
        """A bulk send granted at ``counted_at`` leaves only now: count it now instead.

        Why: on a busy machine a send can start hundreds of milliseconds after its
        slot was granted; counted at the grant, it would reach Telegram in a later
        second than the window thinks, and that second would hold too many.
        """
        now = self.clock.monotonic()
        sent = self._window(now)
        if not self._capped or now <= counted_at + _EPSILON:
            return
        with contextlib.suppress(ValueError):
            sent.remove(counted_at)
            sent.append(max(now, sent[-1]) if sent else now)

    async def acquire(self) -> float:
        """Wait for a bulk slot and take it; returns the seconds waited.

        Re-checks after every sleep, so replies and pauses that arrive meanwhile
        are honoured.
        """
        waited = 0.0
        while (delay := self.bulk_delay()) > 0:
            await self.clock.sleep(delay)
            waited += delay
        self.take_bulk()
        return waited

    # ------------------------------------------------------------------ replies
    async def wait_out_halt(self) -> float:
        """Wait until no flood pause is running; returns the seconds waited."""
        waited = 0.0
        while (left := self.paused_for()) > 0:
            await self.clock.sleep(left)
            waited += left
        return waited

    async def acquire_interactive(self) -> float:
        """A reply's slot: at once unless a flood pause runs (then when it ends).

        Not held by the bulk pace or the window. It pushes the queue's next slot back
        by one tick (at most one second ahead of now, so a rush of replies does not
        stall the queue long after it ended) and counts in the window.
        """
        waited = await self.wait_out_halt()
        now = self.clock.monotonic()
        self._recover(now)
        self._tat = min(max(self._tat, now) + 1.0 / self._bulk_rate, now + WINDOW)
        self._record(now)
        return waited

    # ------------------------------------------------------------------ trouble
    def flood(self, seconds: float) -> None:
        """Telegram answered 429 "retry after ``seconds``": pause everything, cut the pace.

        The first 429 of a pause sets the pace; the others (requests that were already
        in flight) only extend the pause — and, when the ceiling was just counted,
        take one off it each, since they were counted as accepted. The ceiling: when
        the queue was sending back to back for a second, the sends of that second are
        what Telegram accepts; for less than a second, at least that, but no more than
        the pace it has just refused; otherwise (most likely a per-chat limit) the pace
        is only cut by ``decrease``.
        """
        now = self.clock.monotonic()
        self.floods += 1
        if self._paused_until > now:
            if self._counted and self._ceiling is not None and self._ceiling > 1:
                self._ceiling -= 1
                self._bulk_rate = min(self._rate, max(MIN_BULK_RATE, self.decrease * self._ceiling))
        else:
            self._recover(now)
            accepted = max(0, self.sent_in_last_second() - 1)  # minus the refused one
            self._counted = self._busy(now) and accepted >= 1
            if self._counted:
                if now - self._busy_since >= WINDOW or self._ceiling is None:
                    self._ceiling = float(accepted)
                else:
                    self._ceiling = min(self._ceiling, max(float(accepted), self._bulk_rate))
                self._step = self._step_for(self._ceiling)
                self._bulk_rate = self.decrease * self._ceiling
            else:
                self._bulk_rate = self.decrease * self._bulk_rate
            self._bulk_rate = min(self._rate, max(MIN_BULK_RATE, self._bulk_rate))
            self._flood_at = now
            self._stepped_at = now + max(0.0, seconds)
        self._paused_until = max(self._paused_until, now + max(0.0, seconds))

    def halt(self, seconds: float) -> None:
        """Pause bulk sends for ``seconds`` from now (network trouble); never shortens one."""
        self._halt_until = max(self._halt_until, self.clock.monotonic() + max(0.0, seconds))

    def halted_for(self) -> float:
        """Seconds until bulk sends may go again, for either kind of pause (0 if none)."""
        return max(0.0, max(self._halt_until, self._paused_until) - self.clock.monotonic())

    def paused_for(self) -> float:
        """Seconds of the flood pause left, which holds replies too (0 if none)."""
        return max(0.0, self._paused_until - self.clock.monotonic())
