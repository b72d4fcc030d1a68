"""Two instances draining one send queue, sharing one budget, on PostgreSQL."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt

import pytest
from telegram import Bot

from bot.cluster.leases import LeaseKeeper
from bot.cluster.shared_budget import SharedBudgetSync
from bot.delivery import MessagePayload, Outbox, OutboxItem, SendBudget, Sender
from bot.delivery.clock import SYSTEM_CLOCK
from bot.delivery.reminders import queue_due_reminders
from bot.storage import NewReminder, Storage, open_storage
from bot.storage.postgres import PostgresDatabase
from bot.testing import FakeBotAPI
from tests.cluster.conftest import eventually

NEWS = MessagePayload("Янгилик: ўқинг")
RECIPIENTS = 2000
LEASE = dt.timedelta(seconds=1)
IN_FLIGHT_WINDOW = 50 + 32
"""Messages Telegram may have accepted from a killed sender that it had not recorded yet:
its unrecorded marks (``mark_batch``) plus the sends in progress (``max_in_flight``)."""


@pytest.fixture
async def two_databases(postgres_url: str):
    first, second = await open_storage(postgres_url), await open_storage(postgres_url)
    yield first, second
    await first.close()
    await second.close()


async def test_a_broadcast_survives_one_instance_killed_half_way(two_databases) -> None:
    """Every recipient gets it; duplicates stay within the killed instance's in-flight window."""
    first, second = two_databases
    api = FakeBotAPI(clock=SYSTEM_CLOCK)
    outbox_one = Outbox(first, lease=LEASE)
    outbox_two = Outbox(second, lease=LEASE)
    await outbox_one.create_broadcast(
        NEWS, [(chat, chat) for chat in range(1, RECIPIENTS + 1)], now=SYSTEM_CLOCK.now()
    )
    async with (
        Bot(api.token, request=api.request()) as bot_one,
        Bot(api.token, request=api.request()) as bot_two,
    ):
        one = Sender(outbox_one, bot_one, rate=1000, clock=SYSTEM_CLOCK)
        two = Sender(outbox_two, bot_two, rate=1000, clock=SYSTEM_CLOCK)
        keeper = LeaseKeeper(outbox_two, None, SYSTEM_CLOCK, lease=LEASE)
        killed = asyncio.create_task(one.run())
        survivor = two.start()
        keeper.start()
        await eventually(lambda: api.messages_sent >= RECIPIENTS // 2)
        killed.cancel()  # a crash: its claimed rows stay 'sending' in the database
        with pytest.raises(asyncio.CancelledError):
            await killed
        await eventually(lambda: len({c for c in range(1, RECIPIENTS + 1) if api.messages(c)})
                         == RECIPIENTS, timeout=60)  # fmt: skip
        await keeper.stop()
        await two.stop()
        assert not survivor.cancelled()
    copies = collections.Counter(
        {chat: len(api.messages(chat)) for chat in range(1, RECIPIENTS + 1)}
    )
    assert min(copies.values()) == 1
    duplicates = sum(copies.values()) - RECIPIENTS
    assert duplicates <= IN_FLIGHT_WINDOW
    assert await second.queue.counts() == {("broadcast", "sent"): RECIPIENTS}


async def test_due_reminders_are_queued_once_by_two_instances(two_databases) -> None:
    first, second = two_databases
    now = SYSTEM_CLOCK.now()
    for uid in range(1, 41):
        await first.upsert_user(uid, uid, "ru", now)
        await first.set_opt_in(uid, True)
        await first.replace_reminders(
            uid,
            [
                NewReminder("d", "o", now.date(), now - dt.timedelta(minutes=m), "before", m, "1")
                for m in (1, 2)
            ],
            now,
        )

    def render(_reminder: object) -> MessagePayload:
        return NEWS

    queued = await asyncio.gather(
        *(
            queue_due_reminders(db, Outbox(db), render, now, limit=25)
            for db in (first, second, first, second)
        )
    )
    while await queue_due_reminders(second, Outbox(second), render, now):
        pass
    states: collections.Counter[str] = collections.Counter()
    for uid in range(1, 41):
        states.update(r.state for r in await first.reminders_for(uid))
    assert set(states) <= {"queued", "cancelled"}  # nothing left scheduled
    # Each reminder became at most one message, whichever instance took it.
    assert await first.queue.counts() == {("reminder", "pending"): states["queued"]}
    assert sum(queued) <= states["queued"]


async def test_the_send_rate_is_split_between_live_instances_and_halts_are_shared(
    two_databases,
) -> None:
    first, second = two_databases
    assert isinstance(first, PostgresDatabase) and isinstance(second, PostgresDatabase)
    budgets = SendBudget(25, clock=SYSTEM_CLOCK), SendBudget(25, clock=SYSTEM_CLOCK)
    syncs = [
        SharedBudgetSync(budget, db.instances, instance=name, total_rate=25, clock=SYSTEM_CLOCK)
        for budget, db, name in zip(budgets, (first, second), ("a", "b"), strict=True)
    ]
    await syncs[0].sync_once()
    assert budgets[0].rate == 25  # alone
    await syncs[1].sync_once()
    await syncs[0].sync_once()
    assert budgets[0].rate == budgets[1].rate == 12.5
    budgets[1].halt(3.0)  # instance b got a 429 with retry_after = 3
    await syncs[1].sync_once()
    await syncs[0].sync_once()
    assert 2.0 < budgets[0].halted_for() <= 3.0
    await syncs[1].stop()  # b leaves cleanly: a has the whole rate again
    await syncs[0].sync_once()
    assert budgets[0].rate == 25


async def test_a_restarting_instance_leaves_the_others_claims_alone(two_databases) -> None:
    first, second = two_databases
    now = SYSTEM_CLOCK.now()
    await Outbox(first).enqueue_many([OutboxItem(c, NEWS) for c in (1, 2, 3)], now=now)
    claimed = await Outbox(first).claim(now, 3)
    assert len(claimed) == 3
    assert await Outbox(second).recover_in_flight() == 0  # at start: live claims stay
    later = Outbox(second, clock=_Later(now + dt.timedelta(minutes=7)))
    assert await later.recover_in_flight() == 3  # after the lease they are taken over


class _Later:
    def __init__(self, moment: dt.datetime) -> None:
        self._moment = moment

    def now(self) -> dt.datetime:
        return self._moment

    def monotonic(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


__all__ = ["Storage"]
