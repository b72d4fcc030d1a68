"""Fixtures for the Telegram layer: the real application on a real SQLite file,
talking to the in-process fake Bot API, driven with real ``Update`` objects.

Two rulesets: ``fixture_ruleset`` (the shipped questions with the engine tests'
fixture outcomes: stable results to assert on) and ``shipped_or_fixture`` (the
real ``rules/`` when its outcomes load, for the five-locale walk-through).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.core.rules import Ruleset, RulesetInvalid, load_ruleset
from bot.settings import Settings
from bot.storage import Database
from bot.telegram.app import build_application
from bot.telegram.updates import trimmed_update
from bot.testing import DEFAULT_TOKEN, FakeBotAPI, FakeClock, SentMessage
from tests.core.conftest import make_rules_dir

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)
"""Noon in Moscow on 5 March 2025: the fixture answers below give clear results then."""

PATENT_ANSWERS: dict[str, str] = {
    "citizenship": "UZ",
    "in_russia": "yes",
    "in_registry": "no",
    "entry_date": "10.01.2025",
    "document": "patent",
    "patent_issue_date": "31.01.2025",
    "patent_paid_until": "30.06.2025",
    "registered": "yes",
    "contract_copy_filed": "yes",
    "purpose": "work",
    "region": "other",
    "biometrics_done": "yes",
    "medical_date": "01.02.2025",
    "days_in_russia_this_year": "0",
    "amina": "yes",
}
"""How a patent worker in good standing answers every question (typed or tapped)."""


@pytest.fixture(scope="session")
def fixture_ruleset(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return load_ruleset(make_rules_dir(tmp_path_factory.mktemp("telegram-rules")))


@pytest.fixture(scope="session")
def shipped_or_fixture(fixture_ruleset: Ruleset) -> Ruleset:
    """The real ruleset when it loads (outcomes are being written), else the fixture."""
    try:
        return load_ruleset(ROOT / "rules")
    except RulesetInvalid:
        return fixture_ruleset


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def api(clock: FakeClock) -> FakeBotAPI:
    return FakeBotAPI(clock=clock)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "hamroh.sqlite3"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(bot_token=DEFAULT_TOKEN, db_path=db_path, rules_dir=ROOT / "rules")


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Records the error handler logged; tests assert it stays empty unless provoked."""
    caplog.set_level(logging.INFO)
    records: list[logging.LogRecord] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = _Collect(level=logging.ERROR)
    logger = logging.getLogger("bot.telegram.errors")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


AppFactory = Callable[..., Any]


@pytest.fixture
async def make_app(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, fixture_ruleset: Ruleset
) -> AsyncIterator[AppFactory]:
    """Build, initialise and start an application; everything is shut down at the end.

    ``await make_app(ruleset=..., planner=...)`` returns ``(application, database)``.
    """
    opened: list[tuple[Application, Database]] = []  # type: ignore[type-arg]

    async def factory(
        ruleset: Ruleset | None = None, planner: Any = None
    ) -> tuple[Application, Database]:  # type: ignore[type-arg]
        database = await Database.open(settings.db_path)
        application = build_application(
            settings,
            storage=database,
            ruleset=ruleset or fixture_ruleset,
            clock=clock,
            request=api.request(),
            get_updates_request=api.request(),
            reminder_planner=planner,
        )
        await application.initialize()
        opened.append((application, database))
        return application, database

    yield factory
    for application, database in opened:
        await close_app(application, database)


async def close_app(application: Application, database: Database) -> None:  # type: ignore[type-arg]
    if application.running:
        await application.stop()
    await application.shutdown()
    await database.close()


class BotUser:
    """A person in a private chat with the bot: sends text, taps buttons, reads replies."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        api: FakeBotAPI,
        user_id: int = 1001,
        language_code: str | None = "ru",
    ) -> None:
        self.app = application
        self.api = api
        self.user_id = user_id
        self.language_code = language_code

    async def feed(self, update: dict[str, Any]) -> None:
        """``update`` to the bot as ``hamroh run``'s ``getUpdates`` decodes it (a tap
        without its message: ``bot.telegram.updates``); :class:`WebhookUser` in full."""
        await self.app.process_update(Update.de_json(trimmed_update(update), self.app.bot))

    async def say(self, text: str) -> None:
        await self.feed(self.api.text_update(self.user_id, text, language_code=self.language_code))

    async def send(self, kind: str, **extra: Any) -> None:
        """A non-text message: ``sticker``, ``photo``, ``voice``, ``video``, ``document``,
        ``location``, ``contact``."""
        builders = {
            "sticker": self.api.sticker_update,
            "photo": self.api.photo_update,
            "voice": self.api.voice_update,
            "location": self.api.location_update,
        }
        if kind in builders:
            update = builders[kind](self.user_id, language_code=self.language_code)
        else:
            update = self.api.text_update(self.user_id, "x", language_code=self.language_code)
            message = update["message"]
            del message["text"]
            message[kind] = {
                "video": {"file_id": "BAAC", "file_unique_id": "AgAD", "width": 1,
                          "height": 1, "duration": 2},
                "document": {"file_id": "BQAC", "file_unique_id": "AgAE",
                             "file_name": "passport.pdf"},
                "contact": {"phone_number": "+79990000000", "first_name": "A"},
            }[kind]  # fmt: skip
        update["message"].update(extra)
        await self.feed(update)

    async def edit(self, text: str) -> None:
        """The user edits an earlier message of theirs."""
        update = self.api.text_update(self.user_id, text, language_code=self.language_code)
        message = update.pop("message")
        message["edit_date"] = message["date"] + 5
        update["edited_message"] = message
        await self.feed(update)

    # ------------------------------------------------------------------ reading
    def messages(self) -> list[SentMessage]:
        return self.api.messages(self.user_id)

    def last(self) -> SentMessage:
        message = self.api.last_message(self.user_id)
        assert message is not None, "the bot sent nothing"
        return message

    def last_with_buttons(self) -> SentMessage:
        for message in reversed(self.messages()):
            if message.reply_markup and message.reply_markup.get("inline_keyboard"):
                return message
        raise AssertionError("no message with buttons")

    def texts_since(self, count: int) -> list[str]:
        return [m.text for m in self.messages()[count:]]

    # ------------------------------------------------------------------ tapping
    def find_button(self, label: str, message: SentMessage | None = None) -> tuple[int, str]:
        message = message or self.last_with_buttons()
        for text, data in message.buttons():
            if data is not None and (text == label or text.endswith(label)):
                return message.message_id, data
        raise AssertionError(f"no button {label!r} in {message.buttons()!r}")

    async def tap(self, label: str, message: SentMessage | None = None) -> None:
        message_id, data = self.find_button(label, message)
        await self.tap_data(message_id, data)

    async def tap_data(self, message_id: int, data: str) -> None:
        await self.feed(
            self.api.callback_update(
                self.user_id, message_id, data, language_code=self.language_code
            )
        )

    def last_callback_answer(self) -> dict[str, Any]:
        return list(self.api.answered_callbacks.values())[-1]


@pytest.fixture
def user_factory(api: FakeBotAPI) -> Callable[..., BotUser]:
    def factory(application: Application, **kwargs: Any) -> BotUser:  # type: ignore[type-arg]
        return BotUser(application, api, **kwargs)

    return factory
