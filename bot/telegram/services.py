"""What every handler needs, reachable from the PTB context: storage, ruleset, clock, texts.

Why one small object in ``application.bot_data``: handlers stay plain functions
that PTB can call, tests inject a real SQLite file, a fake clock and a fixture
ruleset through :func:`bot.telegram.app.build_application`, and nothing about a
*user* is kept here (user state lives in storage only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import Application, CallbackContext

from bot.core.rules import Ruleset
from bot.delivery.clock import Clock
from bot.i18n import Catalogs
from bot.settings import Settings
from bot.storage import Storage
from bot.telegram.reminders import ReminderPlanner

SERVICES_KEY = "hamroh"
LifecycleHook = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]
"""Extra start/stop work given to ``build_application`` (send queue, reminder job)."""
LEGAL_TIMEZONE = dt.timezone(dt.timedelta(hours=3), "MSK")
"""Deadlines are counted in calendar days in Russia; Moscow time (UTC+3, no DST) is
the day most users live by and the one the MVD offices around Moscow count in."""


@dataclass
class Services:
    settings: Settings
    ruleset: Ruleset
    clock: Clock
    catalogs: Catalogs
    reminder_planner: ReminderPlanner
    store: Storage | None = None
    """Set by ``build_application`` or opened in ``post_init`` from ``settings.db_path``."""
    owns_storage: bool = False
    on_startup: tuple[LifecycleHook, ...] = ()
    on_shutdown: tuple[LifecycleHook, ...] = ()

    @property
    def storage(self) -> Storage:
        if self.store is None:
            raise RuntimeError("storage is opened in post_init; the application is not started")
        return self.store

    def now(self) -> dt.datetime:
        """The injected clock's time (timezone-aware UTC)."""
        return self.clock.now()

    def today(self) -> dt.date:
        """The day answers are judged on (``as_of``): today in Moscow time."""
        return self.clock.now().astimezone(LEGAL_TIMEZONE).date()


def services_of(context: CallbackContext | Application) -> Services:  # type: ignore[type-arg]
    """The services stored on the application by ``build_application``."""
    application = context if isinstance(context, Application) else context.application
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
