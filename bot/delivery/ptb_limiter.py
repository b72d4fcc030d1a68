"""Plug the shared :class:`SendBudget` into PTB so interactive replies count first.

Why: the sender paces the outbox, but handler replies (``reply_text``,
``edit_message_text``) go straight through PTB. Without coordination a broadcast at
30/s plus replies exceeds Telegram's limit, and the usual fix (one global limiter,
FIFO) makes a user wait behind thousands of broadcast messages. With
:class:`BudgetRateLimiter` installed on the Application, every message-sending call
of the handlers takes an *interactive* slot from the shared budget (never waiting
behind the queue), while the sender's own calls, marked with :data:`QUEUE_SEND`,
skip it because the sender already took a bulk slot.

Wiring::

    budget = SendBudget(rate=settings.send_rate)
    app = ApplicationBuilder().token(token).rate_limiter(BudgetRateLimiter(budget)).build()
    sender = Sender(outbox, app.bot, budget=budget, on_blocked=...)

It also retries a reply once after a short ``RetryAfter`` (``max_retry_wait``), so a
per-chat flood on one user's edits does not surface as an error in the handler.
"""

from __future__ import annotations

import contextvars
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.budget import SendBudget

QUEUE_SEND: Final[contextvars.ContextVar[bool]] = contextvars.ContextVar(
    "hamroh_queue_send", default=False
)
"""True while the outbox sender makes a call: the budget was already charged."""

_COUNTED_PREFIXES: Final = ("send", "copyMessage", "forwardMessage", "editMessage")
_NOT_COUNTED: Final = frozenset({"sendChatAction"})


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds, for PTB 22's int-or-timedelta attribute.

    Reading the attribute warns under PTB 22.2+ unless ``PTB_TIMEDELTA`` is set; the
    value is the same either way, so the warning is silenced here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def counts_against_budget(endpoint: str) -> bool:
    """Whether a Bot API method sends or edits a message (and so spends the budget)."""
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint not in _NOT_COUNTED


class BudgetRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """A PTB rate limiter that charges handler sends to the shared budget as interactive."""

    def __init__(
        self, budget: SendBudget, *, max_retries: int = 1, max_retry_wait: float = 5.0
    ) -> None:
        self.budget = budget
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Take an interactive slot (unless the outbox sender is calling), then call.

        A ``RetryAfter`` of at most ``max_retry_wait`` seconds is waited out and retried
        ``max_retries`` times, each retry with a slot of its own; longer ones are
        raised to the handler.
        """
        counted = counts_against_budget(endpoint) and not QUEUE_SEND.get()
        attempt = 0
        while True:
            if counted:  # every attempt is a send the budget's window must know about
                await self.budget.acquire_interactive()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                if QUEUE_SEND.get() or attempt >= self.max_retries or seconds > self.max_retry_wait:
                    raise
                attempt += 1
                await self.budget.clock.sleep(seconds)
