"""Delivery: one durable send queue (the outbox) and the worker that drains it.

Reminders, broadcasts and notices are enqueued in SQLite and sent by
:class:`Sender` at a paced rate with explicit ``RetryAfter``/``Forbidden``/network
handling; interactive replies go straight through PTB but draw first from the same
:class:`SendBudget` via :class:`BudgetRateLimiter`.
"""

from bot.delivery.budget import DEFAULT_RATE, MAX_RATE, SendBudget
from bot.delivery.clock import SYSTEM_CLOCK, Clock, SystemClock
from bot.delivery.outbox import (
    PRIORITY_BROADCAST,
    PRIORITY_NOTICE,
    PRIORITY_REMINDER,
    Audience,
    BroadcastProgress,
    Outbox,
    OutboxItem,
    OutboxKind,
    OutboxRow,
    OutboxState,
    OutboxStore,
)
from bot.delivery.payload import MessagePayload, inline_keyboard
from bot.delivery.ptb_limiter import QUEUE_SEND, BudgetRateLimiter, retry_after_seconds
from bot.delivery.reminders import RenderReminder, queue_due_reminders
from bot.delivery.sender import OnBlocked, Sender, SenderStats, mark_inactive

__all__ = [
    "DEFAULT_RATE",
    "MAX_RATE",
    "PRIORITY_BROADCAST",
    "PRIORITY_NOTICE",
    "PRIORITY_REMINDER",
    "QUEUE_SEND",
    "SYSTEM_CLOCK",
    "Audience",
    "BroadcastProgress",
    "BudgetRateLimiter",
    "Clock",
    "MessagePayload",
    "OnBlocked",
    "Outbox",
    "OutboxItem",
    "OutboxKind",
    "OutboxRow",
    "OutboxState",
    "OutboxStore",
    "RenderReminder",
    "SendBudget",
    "Sender",
    "SenderStats",
    "SystemClock",
    "inline_keyboard",
    "mark_inactive",
    "queue_due_reminders",
    "retry_after_seconds",
]
