"""The two applications the Telegram benchmarks compare, built the same way.

``ours``: :func:`bot.telegram.app.build_application` with a real SQLite file, the
shipped ruleset, the per-chat update processor, a fixed clock, and the in-process
fake Bot API — everything the production bot runs except the HTTP hop (and, like
``hamroh run``, the garbage collector tuned after start-up: ``tune_garbage_collector``).

``bare``: a plain PTB ``Application`` on the same fake and the same update
processor whose only handler replies "ok" — the floor PTB itself sets. Two variants
make Telegram traffic instead: ``"old"``, the calls a step of ours made before issue
15 (a tap: answer it, edit the question, send the next, one after the other), and
``"ours"``, the calls a step of ours makes now (see :func:`_our_calls`) — the floor
the required Bot API calls set, with no state, rules or rendering.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

from _sim import NOW, PERSONAS, Driver, Outcome, SimUser
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.rules import Ruleset, load_ruleset
from bot.delivery import raw_api
from bot.i18n import LOCALES
from bot.settings import Settings
from bot.storage import Storage, open_storage
from bot.telegram.app import build_application, shutdown, startup

try:
    from bot.telegram.app import tune_garbage_collector
except ImportError:  # an older commit of the bot, measured with these scripts beside this one
    tune_garbage_collector = None
from bot.telegram.processor import PerChatUpdateProcessor
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock

ROOT = Path(__file__).resolve().parent.parent

CPU_PER_UPDATE: dict[str, float] = {}
"""The process's CPU seconds per update (all threads, ``time.process_time``) of the last
timed run of ours (``"ours"``) and of each kind of bare bot (its :data:`Calls`). Steadier
than the wall clock on a shared machine; the in-process fake Bot API's work is in both."""


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
    collector = gc.get_threshold()
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
                on_startup=[tune_garbage_collector] if tune_garbage_collector else [],  # as `run`
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
        gc.unfreeze()  # the bare bots that run next in this process start as they would
        gc.set_threshold(*collector)


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


Calls = Literal["ok", "old", "ours", "ours_raw"]
"""What a bare bot's step does: reply "ok"; the calls of a step of ours before issue 15;
the calls of a step of ours now, through PTB's named methods, or sent as ours sends
them (``bot.delivery.raw_api``: Telegram's answer is not turned into a ``Message``)."""

LANGUAGE_DATA, ANSWER_DATA, LAST_DATA = "L:1a2b3c:ru", "A:1a2b3c:1", "R:1a2b3c:1"
"""The bare bots' buttons: the language, an answer, the answer that gives the result."""

RECORD_TEXT = "<i>Гражданство: Узбекистан</i>"
GREETING_TEXT = (
    "👋 <b>Здравствуйте! Я Хамрох.</b>\nЯ задам несколько коротких вопросов и скажу, какой у "
    "вас, скорее всего, статус в России, что делать и до какого срока.\n🔒 Я храню только ваш "
    "Telegram id, язык и ответы. Удалить всё: /forget"
)
RESULT_TEXT = (
    "<b>Скорее всего, вы находитесь в России законно.</b>\n\nЧто сделать:\n"
    "1. Оплатите патент до 30.06.2025.\n2. Продлите медицинскую справку до 01.02.2026.\n\n"
    "Это не юридическая консультация."
)
RAW_KEYBOARD = KEYBOARD.to_dict()
MENU = [BotCommand("start", "Начать заново"), BotCommand("status", "Мой статус"),
        BotCommand("language", "Язык"), BotCommand("forget", "Удалить мои данные")]  # fmt: skip


async def _old_calls(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Telegram traffic of one questionnaire step before issue 15, with no state and
    no rules: a tap is answered, the question edited, the next one sent, in turn."""
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


class _Named:
    """Sends and edits through PTB's named methods (each answer becomes a ``Message``)."""

    @staticmethod
    async def send(bot: Bot, chat_id: int, text: str, keyboard: bool) -> None:
        await bot.send_message(
            chat_id, text, parse_mode="HTML", reply_markup=KEYBOARD if keyboard else None
        )

    @staticmethod
    async def edit(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
        await bot.edit_message_text(text, chat_id, message_id, parse_mode="HTML")


class _Raw:
    """Sends and edits as ours does (``bot.delivery.raw_api``: no ``Message`` built)."""

    @staticmethod
    async def send(bot: Bot, chat_id: int, text: str, keyboard: bool) -> None:
        params = raw_api.text_params(
            text, parse_mode="HTML", keyboard=RAW_KEYBOARD if keyboard else None
        )
        await raw_api.call(bot, "sendMessage", {"chat_id": chat_id, **params})

    @staticmethod
    async def edit(bot: Bot, chat_id: int, message_id: int, text: str) -> None:
        params = raw_api.text_params(text, parse_mode="HTML")
        await raw_api.call(
            bot, "editMessageText", {"chat_id": chat_id, "message_id": message_id, **params}
        )


def _our_calls(way: type[_Named] | type[_Raw]) -> Callable[[Update, Any], Awaitable[None]]:
    """A handler making the Telegram traffic of one questionnaire step of ours now, with
    no state and no rules (``tests/telegram/test_call_count.py``; ``alongside`` in
    ``bot/telegram/conversation.py``), sending and editing the ``way`` given:

    * a typed message (``/start``, a date): one ``sendMessage`` with a keyboard;
    * the language tap: ``answerCallbackQuery``, the record edit and the chat's menu
      (``setMyCommands``) at the same time as the first question, which opens with the
      greeting;
    * an answer tap: ``answerCallbackQuery`` at the same time as the next question, which
      opens with the record of the answer;
    * the last answer: ``answerCallbackQuery`` and the record edit at the same time as
      the result.
    """

    async def step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot, query = context.bot, update.callback_query
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        if query is None:
            await way.send(bot, chat_id, QUESTION_TEXT, True)
            return
        assert query.message is not None
        tapped = query.message.message_id
        if query.data == LANGUAGE_DATA:
            await asyncio.gather(
                query.answer(),
                way.edit(bot, chat_id, tapped, RECORD_TEXT),
                bot.set_my_commands(MENU, scope=BotCommandScopeChat(chat_id)),
                way.send(bot, chat_id, GREETING_TEXT + "\n\n" + QUESTION_TEXT, True),
            )
        elif query.data == LAST_DATA:
            await asyncio.gather(
                query.answer(),
                way.edit(bot, chat_id, tapped, RECORD_TEXT),
                way.send(bot, chat_id, RESULT_TEXT, True),
            )
        else:
            await asyncio.gather(
                query.answer(), way.send(bot, chat_id, RECORD_TEXT + "\n\n" + QUESTION_TEXT, True)
            )

    return step


def bare_update(
    api: FakeBotAPI, calls: Calls, user_id: int, n: int, steps: int
) -> dict[str, object]:
    """The ``n``-th of ``steps`` updates of a person talking to a bare bot.

    ``"ours"``: as a questionnaire of ours goes — ``/start``, the language tap, then
    two taps to one typed answer, the last step a tap that gives the result (16 steps:
    30 calls, as ``tests/telegram/test_call_count.py`` counts for ours). Else three of
    four updates are taps on the bot's last message.
    """
    last = api.last_message(user_id)
    if calls == "ok" or last is None:
        return api.text_update(user_id, f"message {n}")
    if calls in ("ours", "ours_raw"):
        if n == 1:
            return api.callback_update(user_id, last.message_id, LANGUAGE_DATA)
        if n == steps - 1:
            return api.callback_update(user_id, last.message_id, LAST_DATA)
        if n % 3:
            return api.callback_update(user_id, last.message_id, ANSWER_DATA)
        return api.text_update(user_id, f"message {n}")
    if n % 4:
        return api.callback_update(user_id, last.message_id, ANSWER_DATA)
    return api.text_update(user_id, f"message {n}")


@contextlib.asynccontextmanager
async def bare(api: FakeBotAPI, calls: Calls = "ok") -> AsyncIterator[Driver]:
    """A bare PTB application whose one handler only replies (``calls``: see :data:`Calls`)."""
    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(api.token)
        .request(api.request(read_timeout=None))
        .get_updates_request(api.request())
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    if hasattr(raw_api, "quiet_warnings"):  # an older commit of the bot
        raw_api.quiet_warnings()
    handler = {
        "ok": _reply_ok,
        "old": _old_calls,
        "ours": _our_calls(_Named),
        "ours_raw": _our_calls(_Raw),
    }[calls]
    application.add_handler(MessageHandler(filters.ALL, handler))
    if calls != "ok":
        application.add_handler(CallbackQueryHandler(handler))
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
            started, cpu = time.perf_counter(), time.process_time()
            outcomes = await asyncio.gather(*(person.run() for person, _ in people))
            seconds = time.perf_counter() - started
            CPU_PER_UPDATE["ours"] = (time.process_time() - cpu) / (driver.updates - before)
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
    users: int, per_user: int, first_id: int, latency: float = 0.0, calls: Calls = "ok"
) -> tuple[int, float]:
    """``(updates, seconds)``: each person sends ``per_user`` updates (:func:`bare_update`),
    one at a time."""
    api = FakeBotAPI(latency=latency)
    async with bare(api, calls) as driver:

        async def person(user_id: int) -> None:
            for n in range(per_user):
                await driver.feed(bare_update(api, calls, user_id, n, per_user))

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(person(first_id + i) for i in range(users)))
        seconds = time.perf_counter() - started
        CPU_PER_UPDATE[calls] = (time.process_time() - cpu) / driver.updates
    return driver.updates, seconds
