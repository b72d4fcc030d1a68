"""Build the PTB application and run it (long polling, or a webhook when configured).

Why these choices (see ``reference/telegram-stack-notes.md``):

- no ``ConversationHandler`` and no PTB persistence: interview state lives in our
  SQLite tables and is read and written in the handlers;
- a :class:`PerChatUpdateProcessor`: parallel across chats, in order within a chat;
- ``request``/``get_updates_request`` can be injected: tests plug the in-process
  fake Bot API in there, and ``HAMROH_BOT_API_URL`` points the real HTTP transport
  at a loopback fake for the polling test; ``getUpdates`` answers are trimmed of
  what the handlers never read before PTB decodes them (``bot.telegram.updates``);
- pending updates are never dropped on start: a user's answer sent while the bot
  was restarting is still an answer.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from telegram import Update
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot.app.reminders import ReminderPlanner, make_planner, plan_nothing
from bot.cluster.update_order import update_processor
from bot.core.rules import Ruleset, load_ruleset
from bot.delivery import BudgetRateLimiter, SendBudget
from bot.delivery.clock import SYSTEM_CLOCK, Clock
from bot.i18n import Catalogs, require_catalogs
from bot.settings import Settings
from bot.storage import Storage, is_postgres_url
from bot.storage.factory import cannot_open, open_storage
from bot.telegram import handlers
from bot.telegram.errors import describe
from bot.telegram.profile import publish_in_background
from bot.telegram.services import SERVICES_KEY, LifecycleHook, Services, services_of
from bot.telegram.updates import TrimmedUpdatesRequest

logger = logging.getLogger(__name__)

ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)
"""Edited messages are included so that an edit gets a reply instead of silence."""

POLL_TIMEOUT = dt.timedelta(seconds=30)
"""Seconds a ``getUpdates`` long poll may wait at Telegram."""

SEND_RATE = 25.0
"""Queued messages per second: under Telegram's ~30/s so that users' replies fit beside a
broadcast (the queue gives way to them). Up to 1000/s needs paid broadcasts."""


def polling_options() -> dict[str, object]:
    """The options ``run`` passes to long polling (tests start polling with the same)."""
    return {
        "allowed_updates": list(ALLOWED_UPDATES),
        "drop_pending_updates": False,
        "timeout": POLL_TIMEOUT,
    }


def file_url_for(base_url: str) -> str:
    """Telegram serves files under ``…/file/bot<token>`` next to ``…/bot<token>``."""
    if base_url.endswith("/bot"):
        return base_url[: -len("bot")] + "file/bot"
    return base_url.rstrip("/") + "/file/bot"


def _requests_sharing_one_tls_context() -> tuple[HTTPXRequest, HTTPXRequest]:
    """PTB's two default connections (calls; ``getUpdates``), with one TLS context.

    Each httpx client would otherwise load the CA certificates into a context of its
    own, ~50 ms of every start; the pool sizes are PTB's defaults (256 and 1).
    """
    tls = httpx.create_ssl_context()
    return (
        HTTPXRequest(connection_pool_size=256, httpx_kwargs={"verify": tls}),
        HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": tls}),
    )


def build_application(
    settings: Settings,
    *,
    storage: Storage | None = None,
    ruleset: Ruleset | None = None,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    reminder_planner: ReminderPlanner | None = None,
    catalogs: Catalogs | None = None,
    on_startup: Sequence[LifecycleHook] = (),
    on_shutdown: Sequence[LifecycleHook] = (),
    send_rate: float = SEND_RATE,
) -> Application:  # type: ignore[type-arg]
    """The application with every handler registered; nothing is started yet.

    ``storage=None`` opens ``settings.db_path`` in ``post_init`` (and closes it on
    shutdown); pass a storage to share one (tests do). ``ruleset=None`` loads
    ``settings.rules_dir`` now, so a broken ruleset stops the bot before it starts.
    ``reminder_planner=None`` stores real reminders (``bot.app.reminders``).

    Every reply goes through :class:`BudgetRateLimiter`, which charges it to the same
    :class:`SendBudget` the send queue's sender paces against (``send_rate`` msg/s at
    most): replies go at once and the queue gives way to them; a 429 on any call
    pauses both for the time Telegram asked.

    ``on_startup`` hooks run after storage is open (start background work there: the
    send queue, the reminder job, see ``bot.telegram.background``); ``on_shutdown``
    hooks run before it is closed. Each is ``async def hook(application)``;
    ``services_of(application)`` gives storage.
    """
    token = settings.bot_token.get_secret_value()
    if not token:
        raise ValueError("HAMROH_BOT_TOKEN is not set")
    the_clock = clock or SYSTEM_CLOCK
    services = Services(
        settings=settings,
        ruleset=ruleset if ruleset is not None else load_ruleset(settings.rules_dir),
        clock=the_clock,
        catalogs=catalogs or require_catalogs(Path(settings.locales_dir)),
        reminder_planner=reminder_planner or plan_nothing,  # replaced just below
        budget=SendBudget(send_rate, clock=the_clock),
        store=storage,
        on_startup=tuple(on_startup),
        on_shutdown=tuple(on_shutdown),
    )
    if reminder_planner is None:
        services.reminder_planner = make_planner(lambda: services.storage, services.now)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot_api_url)
        .base_file_url(file_url_for(settings.bot_api_url))
        .concurrent_updates(
            update_processor(settings.database_url is not None, lambda: services.storage, the_clock)
        )
        .rate_limiter(BudgetRateLimiter(services.budget))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is None or get_updates_request is None:
        shared = _requests_sharing_one_tls_context()
        request, get_updates_request = request or shared[0], get_updates_request or shared[1]
    builder = builder.request(request).get_updates_request(
        TrimmedUpdatesRequest(get_updates_request)
    )
    application = builder.build()
    application.bot_data[SERVICES_KEY] = services
    handlers.register(application)
    return application


async def startup(application: Application) -> None:  # type: ignore[type-arg]
    """Open storage if none was given, open the send queue on it, start setting the
    command menus (in the background: ``bot.telegram.profile``)."""
    services = services_of(application)
    if services.store is None:
        services.store = await open_storage_or_explain(
            services.settings.storage_target, services.settings.database_pool_size
        )
        services.owns_storage = True
    open_send_queue(services)
    publish_in_background(application)
    for hook in services.on_startup:
        await hook(application)


def open_send_queue(services: Services) -> None:
    """The outbox and broadcast store on the storage's connection (see ``Services``)."""
    services.open_send_queue()


_HOOKS_DONE = "hamroh.shutdown_hooks_done"


async def stop_hooks(application: Application) -> None:  # type: ignore[type-arg]
    """Run the ``on_shutdown`` hooks once (``post_stop`` in ``run``, else in ``shutdown``).

    Why in ``post_stop``: PTB calls it after the updates in flight are finished but
    before ``Application.shutdown`` closes the bot's HTTP client. The send queue's
    sender must stop while it can still finish its sends; stopped later, a message
    Telegram accepted can come back as a network error and be sent again next start.
    """
    if application.bot_data.get(_HOOKS_DONE):
        return
    application.bot_data[_HOOKS_DONE] = True
    for hook in services_of(application).on_shutdown:
        try:
            await hook(application)
        except Exception as error:  # the others must still run: the queue, the database
            logger.error(
                "shutdown step %s failed: %s", getattr(hook, "__name__", "?"), describe(error)
            )


async def shutdown(application: Application) -> None:  # type: ignore[type-arg]
    services = services_of(application)
    await stop_hooks(application)
    await services.cancel_tasks()
    services.outbox = services.campaigns = None
    if services.owns_storage and services.store is not None:
        await services.store.close()
        services.store = None
        services.owns_storage = False


YOUNG_OBJECTS_BEFORE_COLLECTION = 20_000
"""The collector's first threshold for ``hamroh run`` (Python's default: 700)."""


async def tune_garbage_collector(_application: Application) -> None:  # type: ignore[type-arg]
    """The last start-up hook of ``hamroh run``: fit Python's garbage collector to a bot
    that keeps hundreds of chats in flight.

    * Everything alive after start-up (the ruleset and its compiled expressions, the
      catalogs, PTB and our modules) lives as long as the process, yet every full
      collection walked it again: ``gc.freeze`` moves it out of the collector's sight
      (it only moves list heads: nothing to wait for at start).
    * With many updates waiting on Telegram at once, the objects of an update live for
      a round trip (~50 ms) while thousands of others are made: at Python's default
      threshold (700 new objects) most of them survived a young collection, moved to
      the older generations and were walked again there. Collecting after
      :data:`YOUNG_OBJECTS_BEFORE_COLLECTION` lets them die young (a few MB more
      memory at most).

    Measured (BENCHMARKS.md §1, §8): with 300 people at once the collector's time per
    step fell from 0.30 to 0.08 ms and a step's CPU by about 30 %.
    """
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_COLLECTION, middle, old)


_post_init = startup
_post_stop = stop_hooks
_post_shutdown = shutdown


def configure_logging(level: str, fmt: str = "auto") -> None:
    """Our level for our code; third-party loggers never below INFO/WARNING.

    PTB logs every request's parameters (message texts, answers) at DEBUG, and httpx
    logs request URLs, which contain the bot token, at INFO. The format (``auto``:
    text on a terminal, JSON elsewhere) and the privacy guards (no exception
    messages, no Telegram objects) are in ``bot.ops.logs``.
    """
    from bot.ops.logs import configure_logging as configure

    configure(level, "json" if fmt == "json" else "text" if fmt == "text" else "auto")


class StorageUnavailable(Exception):
    """The database cannot be opened; ``str()`` is one line for the operator."""


async def open_storage_or_explain(target: str | Path, pool_size: int | None = None) -> Storage:
    """Open the bot's database, or raise :class:`StorageUnavailable` with the reason
    (the tools open theirs with ``open_existing_storage``, which never makes a file)."""
    try:
        return await open_storage(target, pool_size=pool_size)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        raise StorageUnavailable(cannot_open(target, error)) from None


def check_storage(target: str | Path) -> None:
    """Raise :class:`StorageUnavailable` now if the SQLite database file cannot be used.

    Synchronous, before PTB owns the event loop and before any call to Telegram: the
    folder is created if missing, the file opened, its schema read and a write lock
    taken and released — what fails for a read-only folder or file, a file that is
    not a database, and a damaged header. (``open_storage`` opens it for real in
    ``post_init``; damage deeper in the file shows there, or when a page is read.)
    A PostgreSQL URL is left to ``open_storage_or_explain``.
    """
    if is_postgres_url(target):
        return
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("PRAGMA user_version").fetchone()
            conn.execute("ROLLBACK")
            conn.execute("PRAGMA journal_mode=WAL")  # as the bot runs it; needs the folder
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as error:
        raise StorageUnavailable(cannot_open(path, error)) from None


NO_WEBHOOK_SECRET = (
    "HAMROH_WEBHOOK_SECRET is not set: whoever learns the webhook address can send the bot "
    "updates Telegram never sent, in any user's name, an admin's too; set a random one"
)


def run(settings: Settings | None = None) -> None:
    """Run the bot until interrupted: long polling, or a webhook if HAMROH_WEBHOOK_URL is set.

    Blocking; PTB owns the event loop (``run_polling``/``run_webhook``). A database
    that cannot be used stops it first (:class:`StorageUnavailable`), before any call
    to Telegram; a rejected token or no way to reach Telegram at start comes out as
    PTB's own exception, which the caller explains (PTB's log line about it is left
    out: ``bot.ops.logs.ExplainedAtStart``).
    """
    from bot.cluster.hooks import cluster_hooks  # several instances on PostgreSQL
    from bot.ops.hooks import ops_hooks  # heartbeat and retention jobs
    from bot.telegram.background import background_hooks  # send queue, reminders, broadcasts

    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    catalogs = require_catalogs(Path(settings.locales_dir))  # CatalogsUnusable: one line
    check_storage(settings.storage_target)
    ops_startup, ops_shutdown = ops_hooks(settings)
    queue_startup, queue_shutdown = background_hooks()
    cluster_startup, cluster_shutdown = cluster_hooks(settings.send_rate)
    application = build_application(
        settings,
        catalogs=catalogs,
        send_rate=settings.send_rate,
        on_startup=[*cluster_startup, *queue_startup, *ops_startup, tune_garbage_collector],
        on_shutdown=[*cluster_shutdown, *ops_shutdown, *queue_shutdown],
    )
    if settings.webhook_url is None:
        logger.info("starting with long polling")
        application.run_polling(**polling_options())  # type: ignore[arg-type]
        return
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    logger.info("starting with a webhook on %s:%s", settings.webhook_listen, settings.webhook_port)
    if secret is None:
        logger.warning(NO_WEBHOOK_SECRET)
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=secret,
        allowed_updates=list(ALLOWED_UPDATES),
        drop_pending_updates=False,
    )
