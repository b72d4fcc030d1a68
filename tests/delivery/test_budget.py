"""The send budget's two rules: bulk slots on a fixed grid, and a hard cap per sliding second.

Most tests drive the budget by hand on a clock whose ``sleep`` does not move time
(:class:`StillClock`), so a simulated sender and simulated users can be interleaved
in any order, with any lateness, and every grant checked.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field

import pytest

from bot.delivery import SendBudget
from bot.testing import FakeClock


class StillClock(FakeClock):
    """A fake clock moved only by :meth:`advance`/:meth:`to`; ``sleep`` returns at once."""

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def to(self, moment: float) -> None:
        self.advance(moment - self.monotonic())


def most_in_a_second(times: list[float]) -> int:
    """Most grants in any half-open 1-second window ``(t - 1, t]`` (what Telegram counts)."""
    times = sorted(times)
    return max(
        (i - bisect.bisect_right(times, t - 1.0 + 1e-9) + 1 for i, t in enumerate(times)),
        default=0,
    )


def take_bulk_when_ready(budget: SendBudget, clock: StillClock, lateness: float = 0.0) -> float:
    """Sleep (move the clock) until the budget lets a bulk send go, ``lateness`` late; take it."""
    while (delay := budget.bulk_delay()) > 0:
        clock.advance(delay + lateness)
    budget.take_bulk()
    return clock.monotonic()


def test_a_late_wake_up_is_caught_up_by_the_next_send() -> None:
    clock = StillClock()
    budget = SendBudget(10, clock=clock)
    assert take_bulk_when_ready(budget, clock) == 0.0
    clock.to(0.13)  # woke 30 ms after the 0.1 slot
    assert budget.bulk_delay() == 0
    budget.take_bulk()
    assert budget.bulk_delay() == pytest.approx(0.07)  # the next slot is still 0.2, not 0.23
    clock.to(0.2)
    budget.take_bulk()
    clock.to(0.36)  # more than half a slot late: the grid restarts half a slot on
    budget.take_bulk()
    assert budget.bulk_delay() == pytest.approx(0.05)


def test_steady_lateness_costs_no_rate() -> None:
    """Every wake-up 1-3 ms late at 30/s: the old budget lost that per send (~96 %)."""
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    rng = random.Random(7)
    times = [take_bulk_when_ready(budget, clock, rng.uniform(0.001, 0.003)) for _ in range(3000)]
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate >= 0.99 * 30
    assert most_in_a_second(times) == 30


def test_the_window_caps_a_grid_that_catches_up() -> None:
    """Alternately very late and on time: the grid alone would fit 31 sends in a second."""
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    times = [take_bulk_when_ready(budget, clock, 0.016 * (n % 2)) for n in range(600)]
    assert most_in_a_second(times) == 30
    assert min(b - a for a, b in itertools.pairwise(times)) >= budget.interval / 2 - 1e-9


@dataclass
class Run:
    """Grants of a simulated mix of bulk and interactive sends."""

    bulk: list[float] = field(default_factory=list)
    interactive: list[float] = field(default_factory=list)
    halts: list[tuple[float, float]] = field(default_factory=list)
    presses: list[tuple[float, float]] = field(default_factory=list)  # (pressed, granted)
    rates: list[tuple[float, float]] = field(default_factory=list)  # (from, rate)

    @property
    def all(self) -> list[float]:
        return sorted(self.bulk + self.interactive)


async def simulate(
    seed: int,
    *,
    rate: float = 30,
    seconds: float = 120.0,
    replies_per_second: float = 4.0,
    rate_changes: list[float] | None = None,
) -> Run:
    """One sender and random users on one budget, in event order, with random lateness.

    The sender wakes late by 0-5 ms (now and then 50 ms); users press in bursts;
    now and then a 429 halts the queue. Returns every grant.
    """
    rng = random.Random(seed)
    clock = StillClock()
    budget = SendBudget(rate, clock=clock)
    run = Run(rates=[(0.0, rate)])
    bulk_wake, press_at, halt_at = 0.0, rng.expovariate(replies_per_second), 7.0
    changes = list(rate_changes or [])
    change_at = seconds * 2 if not changes else rng.uniform(5, seconds - 5)
    while clock.monotonic() < seconds:
        moment = min(bulk_wake, press_at, halt_at, change_at)
        clock.to(moment)
        if moment == change_at:
            budget.set_rate(changes.pop(0))
            run.rates.append((moment, budget.rate))
            change_at = rng.uniform(moment + 1, seconds) if changes else seconds * 2
        elif moment == halt_at:
            seconds_halted = rng.choice([1, 2, 5])
            budget.halt(seconds_halted)
            run.halts.append((moment, moment + seconds_halted))
            halt_at = moment + rng.uniform(5, 30)
        elif moment == press_at:
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):  # sometimes several at once
                wait = await budget.acquire_interactive()
                run.interactive.append(moment + wait)
                run.presses.append((moment, moment + wait))
            press_at = moment + rng.expovariate(replies_per_second)
        else:
            delay = budget.bulk_delay()
            if delay == 0:
                budget.take_bulk()
                run.bulk.append(moment)
                delay = 0.0
            late = 0.05 if rng.random() < 0.01 else rng.uniform(0.0, 0.005)
            bulk_wake = moment + delay + late
    return run


def windows_after(times: list[float], since: float, until: float = float("inf")) -> int:
    """Most grants in any ``(t - 1, t]`` whose end ``t`` is a grant in ``[since, until)``."""
    ordered = sorted(times)
    return max(
        (
            i - bisect.bisect_right(ordered, t - 1.0 + 1e-9) + 1
            for i, t in enumerate(ordered)
            if since <= t < until
        ),
        default=0,
    )


@pytest.mark.parametrize("seed", range(12))
async def test_no_second_ever_holds_more_than_rate_with_mixed_random_sends(seed: int) -> None:
    run = await simulate(seed)
    assert len(run.interactive) > 500 and len(run.bulk) > 1500
    assert most_in_a_second(run.all) == 30  # full, and never over
    for start, end in run.halts:  # bulk waits out every halt …
        assert not [t for t in run.bulk if start + 1e-9 < t < end - 1e-9]


async def test_interactive_sends_go_first_and_are_not_halted() -> None:
    run = await simulate(3, replies_per_second=6.0)
    in_halts = [t for t in run.interactive if any(a < t < b for a, b in run.halts)]
    assert len(in_halts) > 20  # interactive sends are not halted
    waited = [(pressed, granted) for pressed, granted in run.presses if granted > pressed]
    assert len(waited) > 100  # the window was often full when a user pressed …
    bulk = sorted(run.bulk)
    for pressed, granted in waited:  # … and no queued send went in before the reply
        assert bisect.bisect_left(bulk, granted) == bisect.bisect_right(bulk, pressed)


@pytest.mark.parametrize("changes", [[10.0], [100.0], [10.0, 30.0, 1000.0, 25.5]])
async def test_rate_changes_move_the_cap(changes: list[float]) -> None:
    run = await simulate(11, seconds=60.0, rate_changes=changes)
    grants = run.all
    bounds = [*run.rates, (float("inf"), 0.0)]
    for (since, rate), (until, _) in itertools.pairwise(bounds):
        assert windows_after(grants, since, until) <= max(1, int(rate)), (since, rate)


async def test_a_reply_takes_the_next_free_place_in_the_window_before_the_queue() -> None:
    clock = StillClock()
    budget = SendBudget(10, clock=clock)
    for _ in range(10):  # the queue fills the window: 0.0, 0.1, … 0.9
        take_bulk_when_ready(budget, clock)
    clock.to(0.95)
    assert budget.bulk_delay() == pytest.approx(0.052)  # 0.0 + 1 s + 2 ms
    wait = await budget.acquire_interactive()  # a user presses a button
    assert wait == pytest.approx(0.052)  # the reply gets that place …
    assert budget.bulk_delay() == pytest.approx(0.152)  # … the queue the next one (0.1 + 1.002)
    assert await budget.acquire_interactive() == pytest.approx(0.152)  # replies still first


async def test_replies_within_the_burst_do_not_wait_when_the_window_has_room() -> None:
    clock = StillClock()
    budget = SendBudget(30, interactive_burst=3, clock=clock)
    take_bulk_when_ready(budget, clock)
    assert [await budget.acquire_interactive() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await budget.acquire_interactive() == pytest.approx(1 / 30)


async def test_halt_still_stops_bulk_only() -> None:
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    budget.halt(3)
    assert budget.bulk_delay() == pytest.approx(3)
    assert await budget.acquire_interactive() == 0.0
    clock.to(3)
    assert budget.bulk_delay() == 0


def test_set_rate_resizes_the_window_keeping_the_latest_sends() -> None:
    clock = StillClock()
    budget = SendBudget(1000, clock=clock)
    for _ in range(100):
        take_bulk_when_ready(budget, clock)
    assert clock.monotonic() < 0.1
    budget.set_rate(30)
    assert budget.window_capacity == 30
    # The last 30 sends were a few ms ago; the window must let them age out first.
    assert budget.bulk_delay() > 0.9
    budget.set_rate(1000)
    assert budget.window_capacity == 1000
    assert budget.bulk_delay() == pytest.approx(0.001)  # back on the 1 ms grid


@pytest.mark.parametrize(
    ("rate", "capacity"), [(0.5, 1), (1, 1), (25, 25), (25.5, 25), (1000, 1000)]
)
def test_window_capacity_is_the_whole_messages_per_second(rate: float, capacity: int) -> None:
    assert SendBudget(rate).window_capacity == capacity


def test_paid_broadcast_rate_keeps_its_10ms_burst_under_the_cap() -> None:
    clock = StillClock()
    budget = SendBudget(1000, clock=clock)
    times = [take_bulk_when_ready(budget, clock, 0.0003) for _ in range(5000)]
    assert times[9] == 0.0  # ten at once
    assert most_in_a_second(times) <= 1000
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.99 * 1000


def test_without_the_sliding_window_a_huge_burst_switches_pacing_off() -> None:
    clock = StillClock()
    budget = SendBudget(1000, bulk_burst=10**9, sliding_window=False, clock=clock)
    for _ in range(5000):
        assert budget.bulk_delay() == 0
        budget.take_bulk()
    capped = SendBudget(1000, bulk_burst=10**9, clock=clock)
    for _ in range(1000):
        capped.take_bulk()
    assert capped.bulk_delay() == pytest.approx(1.002)


@pytest.mark.parametrize("margin", [-0.001, 1.0])
def test_window_margin_bounds(margin: float) -> None:
    with pytest.raises(ValueError):
        SendBudget(30, window_margin=margin)


async def test_a_waiting_reply_is_not_overtaken_by_a_bulk_burst() -> None:
    """At 1000/s the queue may take 10 slots early; a reply waiting its turn still goes first."""
    clock = StillClock()
    budget = SendBudget(1000, interactive_burst=3, clock=clock)
    waits = [await budget.acquire_interactive() for _ in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0, 0.001, 0.002])
    assert budget.bulk_delay() == pytest.approx(0.002)  # not before the last reply
