"""The two applications the Telegram benchmarks compare, built the same way.

``ours``: :func:`bot.telegram.app.build_application` with a real SQLite file, the
shipped ruleset, the per-chat update processor, a fixed clock, and the in-process
fake Bot API — everything the production bot runs except the HTTP hop.

``bare``: a plain PTB ``Application`` on the same fake and the same update
processor whose only handler replies "ok" — the floor PTB itself sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from _sim import NOW, PERSONAS, Driver, Outcome, SimUser
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.rules import Ruleset, load_ruleset
from bot.i18n import LOCALES
from bot.settings import Settings
from bot.storage import Storage, open_storage
from bot.telegram.app import build_application, shutdown, startup
from bot.telegram.processor import PerChatUpdateProcessor
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock

ROOT = Path(__file__).resolve().parent.parent


def shipped_ruleset() -> Ruleset:
    return load_ruleset(ROOT / "rules")


class RoundRobin:
    """Feeds updates to several instances in turn, as a load balancer would."""

    def __init__(self, drivers: list[Driver]) -> None:
        self.drivers = drivers
        self._next = itertools.cycle(drivers)

    async def feed(self, data: dict[str, object]) -> None:
        await next(self._next).feed(data)

    @property
    def updates(self) -> int:
        return sum(driver.updates for driver in self.drivers)


@contextlib.asynccontextmanager
async def ours(
    api: FakeBotAPI, ruleset: Ruleset, target: Path | str, instances: int = 1
) -> AsyncIterator[tuple[Driver | RoundRobin, Storage]]:
    """The real bot, started (update fetcher running), with its database.

    ``target``: a SQLite file, or a PostgreSQL URL; ``instances`` > 1 (PostgreSQL)
    starts that many applications, each with its own connection pool, fed in turn.
    """
    if isinstance(target, Path):
        settings = Settings(bot_token=DEFAULT_TOKEN, db_path=target, rules_dir=ROOT / "rules")
    else:
        settings = Settings(bot_token=DEFAULT_TOKEN, database_url=target, rules_dir=ROOT / "rules")
    started: list[tuple[Application, Storage]] = []  # type: ignore[type-arg]
    drivers = []
    try:
        for _ in range(instances):
            database = await open_storage(target)
            application = build_application(
                settings,
                storage=database,
                ruleset=ruleset,
                clock=FakeClock(NOW),
                request=api.request(read_timeout=None),
                get_updates_request=api.request(),
            )
            drivers.append(Driver(application))
            await application.initialize()
            await startup(application)
            await application.start()
            started.append((application, database))
        driver: Driver | RoundRobin = drivers[0] if instances == 1 else RoundRobin(drivers)
        yield driver, started[0][1]
    finally:
        for application, database in started:
            await application.stop()
            await shutdown(application)
            await application.shutdown()
            await database.close()


async def _reply_ok(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("ok")


QUESTION_TEXT = (
    "<b>5/14</b> Когда вы последний раз въехали в Россию? Напишите дату: день, месяц, год, "
    "например 05.02.2025. Дата есть в миграционной карте и в штампе в паспорте."
)
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(f"Вариант ответа {n}", callback_data=f"A:1a2b3c:{n}")] for n in range(6)]
    + [[InlineKeyboardButton("⬅️ Назад", callback_data="B:1a2b3c"),
        InlineKeyboardButton("❓ Почему?", callback_data="W:1a2b3c")]]
)  # fmt: skip


async def _same_calls(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Telegram traffic of one questionnaire step, with no state and no rules."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text(QUESTION_TEXT, parse_mode="HTML")
        assert query.message is not None
        await query.message.chat.send_message(QUESTION_TEXT, parse_mode="HTML",
                                              reply_markup=KEYBOARD)  # fmt: skip
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(QUESTION_TEXT, parse_mode="HTML",
                                              reply_markup=KEYBOARD)  # fmt: skip


@contextlib.asynccontextmanager
async def bare(api: FakeBotAPI, same_calls: bool = False) -> AsyncIterator[Driver]:
    """A bare PTB application whose one handler only replies.

    ``same_calls``: instead of "ok", make the Bot API calls a questionnaire step makes
    (a question with a keyboard; for a button: answer the query, edit, send the next).
    """
    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(api.token)
        .request(api.request(read_timeout=None))
        .get_updates_request(api.request())
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    if same_calls:
        application.add_handler(MessageHandler(filters.ALL, _same_calls))
        application.add_handler(CallbackQueryHandler(_same_calls))
    else:
        application.add_handler(MessageHandler(filters.ALL, _reply_ok))
    driver = Driver(application)
    await application.initialize()
    await application.start()
    try:
        yield driver
    finally:
        await application.stop()
        await application.shutdown()


def assignment(index: int) -> tuple[str, str]:
    """The persona and language of the ``index``-th simulated person."""
    personas = list(PERSONAS)
    return personas[index % len(personas)], LOCALES[(index // len(personas)) % len(LOCALES)]


async def reference(
    driver: Driver | RoundRobin, api: FakeBotAPI, ruleset: Ruleset, db: Storage
) -> dict[tuple[str, str], tuple[Outcome, dict[str, str]]]:
    """One sequential run per persona and language: what every run must reproduce."""
    expected = {}
    for n, (persona, locale) in enumerate(itertools.product(PERSONAS, LOCALES)):
        user_id = 9_000_000 + n
        outcome = await SimUser(driver, api, ruleset, user_id, locale, PERSONAS[persona]).run()
        expected[(persona, locale)] = (outcome, (await db.load_interview(user_id)).answers)
    return expected


async def run_ours(
    ruleset: Ruleset,
    users: int,
    first_id: int,
    latency: float = 0.0,
    *,
    database_url: str | None = None,
    instances: int = 1,
) -> tuple[int, float, int, int]:
    """``(updates, seconds, correct, updates_per_user)`` for ``users`` concurrent people.

    The reference runs without latency (it is sequential); ``latency`` applies to the
    timed run only. ``database_url``: on PostgreSQL (an emptied database) instead of a
    fresh SQLite file, with ``instances`` applications.
    """
    api = FakeBotAPI()
    with tempfile.TemporaryDirectory() as tmp:
        target: Path | str = database_url or Path(tmp) / "bench.sqlite3"
        async with ours(api, ruleset, target, instances) as (driver, db):
            expected = await reference(driver, api, ruleset, db)
            api.latency = latency
            people = []
            for i in range(users):
                persona, locale = assignment(i)
                people.append(
                    (SimUser(driver, api, ruleset, first_id + i, locale, PERSONAS[persona]),
                     (persona, locale))
                )  # fmt: skip
            before = driver.updates
            started = time.perf_counter()
            outcomes = await asyncio.gather(*(person.run() for person, _ in people))
            seconds = time.perf_counter() - started
            updates = driver.updates - before
            correct = 0
            for (person, key), outcome in zip(people, outcomes, strict=True):
                want, want_answers = expected[key]
                stored = (await db.load_interview(person.user_id)).answers
                if (outcome.asked, outcome.result_text, stored) == (
                    want.asked, want.result_text, want_answers
                ):  # fmt: skip
                    correct += 1
    return updates, seconds, correct, round(updates / users)


async def run_bare(
    users: int, per_user: int, first_id: int, latency: float = 0.0, same_calls: bool = False
) -> tuple[int, float]:
    """``(updates, seconds)``: each person sends ``per_user`` updates, one at a time.

    With ``same_calls`` three of four updates are button presses on the bot's last
    message, as in the questionnaire (0.77 of our updates are).
    """
    api = FakeBotAPI(latency=latency)
    async with bare(api, same_calls) as driver:

        async def person(user_id: int) -> None:
            for n in range(per_user):
                last = api.last_message(user_id)
                if same_calls and last is not None and n % 4:
                    update = api.callback_update(user_id, last.message_id, "A:1a2b3c:1")
                else:
                    update = api.text_update(user_id, f"message {n}")
                await driver.feed(update)

        started = time.perf_counter()
        await asyncio.gather(*(person(first_id + i) for i in range(users)))
        seconds = time.perf_counter() - started
    return driver.updates, seconds
