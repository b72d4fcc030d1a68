"""Move due reminders from the plan (``reminders`` table) into the outbox.

Why a separate step: reminders are planned weeks ahead and re-planned whenever the
answers change; only when one is due is its text rendered (in the user's current
language) and queued. Run :func:`queue_due_reminders` from a repeating job (e.g.
every minute); it is idempotent, so overlapping runs or a crash mid-way never queue
a reminder twice (``Outbox.enqueue_reminders`` flips ``scheduled → queued`` in the
same transaction as the insert).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from bot.delivery.outbox import Outbox, OutboxItem
from bot.delivery.payload import MessagePayload
from bot.storage.models import DueReminder, ReminderState

logger = logging.getLogger(__name__)

RenderReminder = Callable[[DueReminder], MessagePayload | None]
"""Builds the message for a due reminder in ``reminder.locale``; ``None`` skips it."""
DeferReminder = Callable[[DueReminder], dt.datetime | None]
"""A later time to send a due reminder (the user's night), or ``None`` to send it now."""


class _ReminderSource(Protocol):
    async def due_reminders(self, now_utc: dt.datetime, limit: int) -> list[DueReminder]: ...

    async def mark_reminder(self, reminder_id: int, state: ReminderState) -> bool: ...

    async def defer_reminder(self, reminder_id: int, remind_at: dt.datetime) -> bool: ...


def _superseded(due: list[DueReminder]) -> set[int]:
    """Ids of due reminders made pointless by a later one of the same deadline.

    After downtime the 7-, 3- and 1-day reminders of one deadline can all be due at
    once; the user should get one message (the latest), not three. Follow-ups are
    grouped apart: they ask a different question.
    """
    latest: dict[tuple[int, str, dt.date, bool], DueReminder] = {}
    for reminder in due:
        key = (
            reminder.user_id,
            reminder.deadline_id,
            reminder.deadline_date,
            reminder.kind == "followup",
        )
        best = latest.get(key)
        if best is None or (reminder.remind_at, -reminder.offset_days) > (
            best.remind_at,
            -best.offset_days,
        ):
            latest[key] = reminder
    keep = {id(r) for r in latest.values()}
    return {r.id for r in due if id(r) not in keep}


async def queue_due_reminders(
    storage: _ReminderSource,
    outbox: Outbox,
    render: RenderReminder,
    now: dt.datetime,
    *,
    limit: int = 500,
    defer: DeferReminder | None = None,
) -> int:
    """Queue up to ``limit`` due reminders; returns how many were queued.

    Reminders of users who blocked the bot or opted out, reminders superseded by a
    later one of the same deadline, and reminders the renderer declines (``None``) or
    fails on, are cancelled rather than left at the head of the due index where they
    would be fetched again on every run. ``defer`` moves a reminder that would arrive
    at night (e.g. caught up after downtime) to a later time instead.
    """
    due = await storage.due_reminders(now, limit)
    superseded = _superseded(due)
    items: list[tuple[int, OutboxItem]] = []
    for reminder in due:
        payload: MessagePayload | None = None
        wanted = reminder.user_active and reminder.reminders_opt_in
        if wanted and reminder.id not in superseded and defer is not None:
            later = defer(reminder)
            if later is not None and later > now:
                await storage.defer_reminder(reminder.id, later)
                continue
        if wanted and reminder.id not in superseded:
            try:
                payload = render(reminder)
            except Exception:
                logger.exception("could not render reminder %d; cancelling it", reminder.id)
        if payload is None:
            await storage.mark_reminder(reminder.id, "cancelled")
            continue
        items.append(
            (reminder.id, OutboxItem(reminder.chat_id, payload, "reminder", reminder.user_id))
        )
    return await outbox.enqueue_reminders(items, now=now) if items else 0
