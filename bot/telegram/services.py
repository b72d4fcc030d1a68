"""What every handler needs, reachable from the PTB context: storage, ruleset, clock, texts.

Why one small object in ``application.bot_data``: handlers stay plain functions
that PTB can call, tests inject a real SQLite file, a fake clock and a fixture
ruleset through :func:`bot.telegram.app.build_application`, and nothing about a
*user* is kept here (user state lives in storage only).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.app.reminders import ReminderPlanner
from bot.app.screens import RulesChanged
from bot.core.locales import today_in_law
from bot.core.rules import Ruleset
from bot.delivery import Outbox, SendBudget, Sender
from bot.delivery.campaigns import CampaignStore
from bot.delivery.clock import Clock
from bot.delivery.items import OutboxItem
from bot.export import FontNotFound, Fonts, find_fonts
from bot.i18n import Catalogs
from bot.settings import Settings
from bot.storage import Storage, User
from bot.telegram.render.pages import rules_changed

logger = logging.getLogger(__name__)

SERVICES_KEY = "hamroh"
PRIORITY_RULES_NOTICE = 15
"""After reminders (10), before ordinary broadcasts (20): it concerns this user's deadlines."""
LifecycleHook = Callable[[Application], Awaitable[None]]  # type: ignore[type-arg]
"""Extra start/stop work given to ``build_application`` (send queue, reminder job)."""


@dataclass
class Services:
    settings: Settings
    ruleset: Ruleset
    clock: Clock
    catalogs: Catalogs
    reminder_planner: ReminderPlanner
    budget: SendBudget
    """Shared by PTB's rate limiter (interactive replies) and the outbox sender."""
    store: Storage | None = None
    """Set by ``build_application`` or opened in ``post_init`` from ``settings.db_path``."""
    owns_storage: bool = False
    on_startup: tuple[LifecycleHook, ...] = ()
    on_shutdown: tuple[LifecycleHook, ...] = ()
    outbox: Outbox | None = None
    """The send queue on the storage's connection (set in ``post_init``)."""
    campaigns: CampaignStore | None = None
    sender: Sender | None = None
    """Running only when the bot runs with background work (``run``, or tests that ask)."""
    rules_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One ruleset change at a time (/reload, the check at start)."""
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    """Background tasks started by handlers (a ruleset re-check); cancelled on shutdown."""
    _fonts: list[Fonts | None] = field(default_factory=list, repr=False)
    """The timeline picture's fonts once looked up (empty: not yet)."""

    @property
    def storage(self) -> Storage:
        if self.store is None:
            raise RuntimeError("storage is opened in post_init; the application is not started")
        return self.store

    def now(self) -> dt.datetime:
        """The injected clock's time (timezone-aware UTC)."""
        return self.clock.now()

    def today(self) -> dt.date:
        """The day answers are judged on (``as_of``): the legal day (Moscow time)."""
        return today_in_law(self.clock.now())

    def open_send_queue(self) -> CampaignStore | None:
        """The outbox and broadcast store on the storage's database.

        Opened in ``post_init``, or on first use by a handler; handlers enqueue through
        it even when no sender runs in this process (rows wait in the database for one).
        """
        if self.outbox is None and self.store is not None:
            self.outbox = Outbox(self.store, clock=self.clock)
            self.campaigns = CampaignStore(self.outbox)
        return self.campaigns

    async def send_notice(self, user: User, notice: RulesChanged, not_before: dt.datetime) -> bool:
        """Queue a "the rules changed for you" message (drawn now, sent at ``not_before``)."""
        self.open_send_queue()
        if self.outbox is None:
            return False
        await self.outbox.enqueue(
            OutboxItem(
                user.chat_id,
                rules_changed(notice),
                "notice",
                user.user_id,
                priority=PRIORITY_RULES_NOTICE,
                not_before=not_before,
            ),
            now=self.now(),
        )
        return True

    def fonts(self) -> Fonts | None:
        """The fonts of the timeline picture, looked up once (``HAMROH_FONT_DIR`` or the
        usual places); ``None``, with one line in the log, when there are none: the
        person then gets the dates as text."""
        if not self._fonts:
            try:
                self._fonts.append(find_fonts(self.settings.font_dir))
            except FontNotFound as error:
                logger.error("%s", error)
                self._fonts.append(None)
        return self._fonts[0]

    def is_admin(self, user_id: int) -> bool:
        """Admins are the Telegram user ids in ``HAMROH_ADMIN_IDS``."""
        return self.settings.is_admin(user_id)

    def start_task(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``work`` in the background; failures are logged (type only), never raised."""

        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.error("background task %s failed: %s", name, type(error).__name__)

        def done(task: asyncio.Task[Any]) -> None:
            self.tasks.discard(task)
            work.close()  # cancelled before its first step, ``work`` was never started

        task = asyncio.create_task(guarded(), name=name)
        self.tasks.add(task)
        task.add_done_callback(done)
        return task

    async def cancel_tasks(self) -> None:
        """Stop background tasks (shutdown); their work resumes from the database."""
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def services_of(context: CallbackContext | Application) -> Services:  # type: ignore[type-arg]
    """The services stored on the application by ``build_application``."""
    application = context if isinstance(context, Application) else context.application
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
