"""The send budget: bulk slots on a fixed grid under a cap per sliding second, replies
at once, every send paused by a 429, and the bulk pace cut and recovered (AIMD).

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
    clock.to(0.36)  # 60 ms late: caught up as well
    budget.take_bulk()
    assert budget.bulk_delay() == pytest.approx(0.04)


def test_a_long_stall_is_made_up_for_250_ms_at_most() -> None:
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    take_bulk_when_ready(budget, clock)
    clock.to(0.5)  # the event loop was busy for half a second
    burst = 0
    while budget.bulk_delay() == 0:
        budget.take_bulk()
        burst += 1
    assert burst == 8  # this slot and the 7.5 of the last 250 ms, not all fifteen
    assert budget.bulk_delay() == pytest.approx(0.5 / 30)  # back on the grid


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


@dataclass
class Run:
    """Grants of a simulated mix of bulk and interactive sends."""

    bulk: list[float] = field(default_factory=list)
    interactive: list[float] = field(default_factory=list)
    pauses: list[tuple[float, float]] = field(default_factory=list)
    rates: list[tuple[float, float]] = field(default_factory=list)  # (from, set rate)

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

    The sender wakes late by 0-5 ms (now and then 50 ms); users press in bursts and
    wait for a pause to end; now and then a 429 pauses everyone. Returns every grant.
    """
    rng = random.Random(seed)
    clock = StillClock()
    budget = SendBudget(rate, clock=clock)
    run = Run(rates=[(0.0, rate)])
    bulk_wake, press_at, flood_at = 0.0, rng.expovariate(replies_per_second), 7.0
    changes = list(rate_changes or [])
    change_at = seconds * 2 if not changes else rng.uniform(5, seconds - 5)
    while clock.monotonic() < seconds:
        moment = min(bulk_wake, press_at, flood_at, change_at)
        clock.to(moment)
        if moment == change_at:
            budget.set_rate(changes.pop(0))
            run.rates.append((moment, budget.rate))
            change_at = rng.uniform(moment + 1, seconds) if changes else seconds * 2
        elif moment == flood_at:
            seconds_paused = rng.choice([1, 2, 5])
            budget.flood(seconds_paused)
            run.pauses.append((moment, moment + seconds_paused))
            flood_at = moment + rng.uniform(5, 30)
        elif moment == press_at:
            if (left := budget.paused_for()) > 0:
                press_at = moment + left  # a reply waits for the pause to end …
                continue
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):  # sometimes several at once
                assert await budget.acquire_interactive() == 0.0  # … and then goes at once
                run.interactive.append(moment)
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


def windows_after(times: list[float], ends: list[float]) -> int:
    """Most grants in any ``(t - 1, t]`` whose end ``t`` is one of ``ends``."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_right(ordered, t + 1e-9) - bisect.bisect_right(ordered, t - 1.0 + 1e-9)
         for t in ends),
        default=0,
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
async def test_the_queue_never_fills_a_second_past_the_rate_and_waits_out_every_pause(
    seed: int,
) -> None:
    run = await simulate(seed)
    assert len(run.interactive) > 400 and len(run.bulk) > 1000
    assert windows_after(run.all, run.bulk) <= 30  # replies counted, the queue gave way
    for start, end in run.pauses:  # nothing at all goes during a pause
        assert not [t for t in run.all if start + 1e-9 < t < end - 1e-9]


async def test_replies_are_not_capped_by_us() -> None:
    """Sixty people answering in the same second: all sixty go at once."""
    clock = StillClock()
    budget = SendBudget(25, clock=clock)
    for _ in range(25):
        take_bulk_when_ready(budget, clock)  # a broadcast filled the last second
    assert [await budget.acquire_interactive() for _ in range(60)] == [0.0] * 60
    assert clock.sleeps == []
    assert budget.bulk_delay() > 0.9  # the queue gives way: the second is more than full
    clock.advance(2.0)  # … but not for long after the rush
    assert budget.bulk_delay() == 0


@pytest.mark.parametrize("changes", [[10.0], [100.0], [10.0, 30.0, 1000.0, 25.5]])
async def test_rate_changes_move_the_cap(changes: list[float]) -> None:
    run = await simulate(11, seconds=60.0, rate_changes=changes)
    bounds = [*run.rates, (float("inf"), 0.0)]
    for (since, rate), (until, _) in itertools.pairwise(bounds):
        ends = [t for t in run.bulk if since <= t < until]
        assert windows_after(run.all, ends) <= max(1, int(rate)), (since, rate)


async def test_a_reply_goes_before_the_queue_next_slot() -> None:
    clock = StillClock()
    budget = SendBudget(10, clock=clock)
    for _ in range(10):  # the queue fills the window: 0.0, 0.1, … 0.9
        take_bulk_when_ready(budget, clock)
    clock.to(0.95)
    assert budget.bulk_delay() == pytest.approx(0.052)  # 0.0 + 1 s + 2 ms
    assert await budget.acquire_interactive() == 0.0  # a user presses a button: at once
    assert budget.bulk_delay() == pytest.approx(0.152)  # the queue yields its place


async def test_a_429_pauses_replies_and_the_queue_and_is_never_shortened() -> None:
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    budget.flood(5)
    budget.flood(1)  # a shorter 429 of a request in flight (PTB #5338)
    assert budget.paused_for() == pytest.approx(5)
    assert budget.bulk_delay() == pytest.approx(5)
    waiting = FakeClock()  # a clock whose sleep moves time, for the reply that waits
    budget.clock = waiting
    budget.flood(5)
    assert await budget.acquire_interactive() == pytest.approx(5)
    assert waiting.monotonic() == pytest.approx(5)


async def test_a_network_halt_stops_bulk_only() -> None:
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    budget.halt(3)
    assert budget.bulk_delay() == pytest.approx(3)
    assert await budget.acquire_interactive() == 0.0
    clock.to(3)
    assert budget.bulk_delay() == 0


def fill_at_pace(budget: SendBudget, clock: StillClock, seconds: float) -> None:
    """Bulk sends as fast as the budget allows for ``seconds`` of clock time."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        take_bulk_when_ready(budget, clock)


def test_a_429_while_the_queue_is_busy_teaches_the_limit_then_the_pace_recovers() -> None:
    clock = StillClock()
    budget = SendBudget(100, clock=clock)
    for _ in range(31):  # Telegram took 30 in the last second and refused the 31st
        take_bulk_when_ready(budget, clock)
    budget.flood(1)
    assert budget.ceiling == 30
    assert budget.bulk_rate == pytest.approx(27)  # multiplicative decrease
    clock.advance(1.0)  # the pause
    rates = []
    for _ in range(5):
        clock.advance(1.0)
        rates.append(budget.bulk_rate)
    assert rates == pytest.approx([27.9, 28.8, 29.4, 29.4, 29.4])  # step by step, then hold
    clock.advance(120.0 - 6.0)  # 120 s after the 429 without another: look higher again
    assert budget.ceiling is None
    climbing = [budget.bulk_rate]
    for _ in range(3):
        clock.advance(1.0)
        climbing.append(budget.bulk_rate)
    assert climbing == pytest.approx([29.4, 32.4, 35.4, 38.4])  # 3 % of the set rate a second
    clock.advance(100.0)
    assert budget.bulk_rate == 100  # never above the set rate


def test_a_429_on_light_traffic_only_cuts_the_pace() -> None:
    clock = StillClock()
    budget = SendBudget(30, clock=clock)
    take_bulk_when_ready(budget, clock)
    clock.advance(0.5)
    budget.flood(3)  # a per-chat limit on someone's edits, most likely
    assert budget.ceiling is None
    assert budget.bulk_rate == pytest.approx(27)
    clock.advance(3.0 + 4.0)
    assert budget.bulk_rate == pytest.approx(30)  # 0.9 msg/s a second, up to the set rate


def test_the_429s_of_requests_in_flight_take_themselves_off_the_ceiling() -> None:
    clock = StillClock()
    budget = SendBudget(100, clock=clock)
    for _ in range(35):  # 35 went out in the last second; Telegram took 30
        take_bulk_when_ready(budget, clock)
    for _ in range(5):  # the five refused ones come back during the same pause
        budget.flood(1)
    assert budget.ceiling == 30 and budget.floods == 5
    assert budget.bulk_rate == pytest.approx(27)
    assert budget.paused_for() == pytest.approx(1)


def test_a_429_soon_after_a_pause_lowers_the_ceiling_to_the_pace_refused() -> None:
    clock = StillClock()
    budget = SendBudget(100, clock=clock)
    for _ in range(33):
        take_bulk_when_ready(budget, clock)
    budget.flood(1)
    assert budget.ceiling == 32  # one too many, as far as anyone can tell yet
    clock.advance(5.0)
    pace = budget.bulk_rate
    for _ in range(10):  # the queue is back at its pace for a third of a second …
        take_bulk_when_ready(budget, clock)
    budget.flood(1)  # … and is refused: 31.36/s is too much
    assert budget.ceiling == pytest.approx(pace)


def test_a_paced_queue_learns_60_per_second_and_keeps_under_it() -> None:
    """A limit of 60 in any second, not told to the budget: one 429, then none for 2 min."""
    clock = StillClock()
    budget = SendBudget(1000, clock=clock)
    accepted: list[float] = []
    refused = 0
    while clock.monotonic() < 110:
        now = take_bulk_when_ready(budget, clock)
        if windows_after([*accepted, now], [now]) > 60:
            refused += 1
            budget.flood(1)
        else:
            accepted.append(now)
    assert refused == 1
    assert len(accepted) / 110 >= 0.95 * 60


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


def test_below_a_known_ceiling_the_window_holds_up_to_the_ceiling() -> None:
    """29.4/s under a ceiling of 30: a second may hold 30 (not floor(29.4) = 29), never 31."""
    clock = StillClock()
    budget = SendBudget(100, clock=clock)
    for _ in range(31):
        take_bulk_when_ready(budget, clock)
    budget.flood(1)
    clock.advance(30.0)  # paused, then recovered to 0.98 x 30
    assert budget.bulk_rate == pytest.approx(29.4)
    assert budget.window_capacity == 30
    times = [take_bulk_when_ready(budget, clock, 0.002) for _ in range(900)]
    assert most_in_a_second(times) <= 30
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.99 * 29.4
