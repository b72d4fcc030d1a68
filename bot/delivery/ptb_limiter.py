"""Plug the shared :class:`SendBudget` into PTB so replies go first and floods are shared.

Why: the sender paces the outbox, but handler replies (``sendMessage``,
``editMessageText``) go straight through PTB. With :class:`BudgetRateLimiter`
installed on the Application, every call of the handlers passes the budget: a
message-sending call takes an *interactive* slot (never waiting behind the queue,
never capped by us while Telegram accepts it); any other call (answering a button)
only waits out a flood pause. The sender's own calls, marked with
:data:`QUEUE_SEND`, skip it because the sender already took a bulk slot and
handles its own 429s.

A 429 on a handler's call pauses every send of the bot (:meth:`SendBudget.flood`)
and the call is tried again when the pause ends — again and again, until it goes
out or ``max_wait`` seconds have passed since it was first tried. Then the
``RetryAfter`` is raised to the handler (and logged here): a reply is never dropped
silently. PTB's ``getUpdates`` does not come through here.

Wiring::

    budget = SendBudget(rate=settings.send_rate)
    app = ApplicationBuilder().token(token).rate_limiter(BudgetRateLimiter(budget)).build()
    sender = Sender(outbox, app.bot, budget=budget, on_blocked=...)
"""

from __future__ import annotations

import contextvars
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.budget import SendBudget

logger = logging.getLogger(__name__)

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
    """A PTB rate limiter that charges handler calls to the shared budget."""

    def __init__(self, budget: SendBudget, *, max_wait: float = 120.0) -> None:
        self.budget = budget
        self.max_wait = max_wait

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
        """Wait for the budget (unless the outbox sender is calling), then call.

        On ``RetryAfter``: pause everyone for the time Telegram asked and try again
        after it, while the next attempt still starts within ``max_wait`` seconds.
        """
        if QUEUE_SEND.get():
            return await callback(*args, **kwargs)
        counted = counts_against_budget(endpoint)
        clock = self.budget.clock
        give_up_at = clock.monotonic() + self.max_wait
        attempts = 0
        while True:
            if counted:  # every attempt is a send the budget's window must know about
                await self.budget.acquire_interactive()
            else:
                await self.budget.wait_out_halt()
            attempts += 1
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.budget.flood(seconds)
                if clock.monotonic() + seconds > give_up_at:
                    logger.warning(
                        "%s: still flood-limited after %d attempts in %.0f s; giving up",
                        endpoint,
                        attempts,
                        self.max_wait,
                    )
                    raise
