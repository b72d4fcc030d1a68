"""What the stateful use cases need from the running program, as a Protocol.

Why a Protocol: each channel runs the use cases in its own process setup (the
Telegram adapter keeps its services on the PTB application); the use cases only
need storage (through :class:`bot.storage.interface.Storage`), the ruleset being
served, the catalogs, the clock and the reminder planner — never the channel.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine
from typing import Any, Protocol

from bot.core.rules import Ruleset
from bot.i18n import Catalogs
from bot.settings import Settings
from bot.storage.interface import Storage
from bot.storage.models import User

from .reminders import ReminderPlanner
from .screens import RulesChanged


class AppServices(Protocol):
    """Storage, the served ruleset, catalogs, clock and reminder planner."""

    ruleset: Ruleset
    catalogs: Catalogs
    reminder_planner: ReminderPlanner

    @property
    def storage(self) -> Storage: ...

    def now(self) -> dt.datetime:
        """Aware UTC now (the injected clock)."""
        ...

    def today(self) -> dt.date:
        """The legal day (:func:`bot.core.locales.today_in_law` of :meth:`now`)."""
        ...


class RulesServices(AppServices, Protocol):
    """What a ruleset change needs besides: the settings (rules folder), one lock for
    one change at a time, background tasks, and a way to tell a person what changed."""

    settings: Settings
    rules_lock: asyncio.Lock
    tasks: set[asyncio.Task[Any]]

    def start_task(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``work`` in the background (failures logged, never raised)."""
        ...

    async def send_notice(self, user: User, notice: RulesChanged, not_before: dt.datetime) -> bool:
        """Queue ``notice`` for ``user`` at a daytime hour; ``False`` if it cannot be queued."""
        ...
