"""The real polling loop over HTTP on 127.0.0.1, and how ``run`` starts the bot."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot.core.rules import Ruleset
from bot.delivery import BudgetRateLimiter
from bot.settings import Settings
from bot.storage import Database
from bot.telegram import app as app_module
from bot.telegram.app import ALLOWED_UPDATES, build_application, polling_options, startup
from bot.telegram.services import services_of
from bot.testing import FakeBotAPI
from bot.testing.fake_server import FakeBotAPIServer


async def _until(condition: Any, rounds: int = 5000) -> None:
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("condition not reached")


async def test_long_polling_through_the_configured_base_url(
    settings: Settings, api: FakeBotAPI, fixture_ruleset: Ruleset, clock, errors
):
    async with FakeBotAPIServer(api) as server:
        configured = settings.model_copy(update={"bot_api_url": server.base_url})
        database = await Database.open(configured.db_path)
        application = build_application(
            configured, storage=database, ruleset=fixture_ruleset, clock=clock
        )
        await application.initialize()
        await startup(application)
        await application.updater.start_polling(**polling_options())
        await application.start()
        try:
            api.push_update(api.text_update(42, "/start", language_code="ky"))
            await _until(lambda: api.last_message(42) is not None)
            picker = api.last_message(42)
            assert ("✓ Кыргызча", "L:ky") in picker.buttons()

            api.push_update(api.callback_update(42, picker.message_id, "L:ky"))
            await _until(lambda: fixture_ruleset.question("citizenship").text.get("ky")
                         in api.last_message(42).text)  # fmt: skip
            api.push_update(api.text_update(42, "Өзбекстан", language_code="ky"))
            await _until(lambda: api.last_message(42).text.startswith("2-суроо, "))
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            await database.close()

    polls = api.calls_to("getUpdates")
    assert polls and polls[-1].params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert api.commands[("default", "ky")][0]["command"] == "start"
    assert errors == []


async def test_startup_opens_and_closes_its_own_database_and_runs_hooks(
    settings: Settings, api: FakeBotAPI, fixture_ruleset: Ruleset, clock
):
    seen: list[str] = []

    async def started(application: Application) -> None:
        user = await services_of(application).storage.get_user(1)  # storage is open
        seen.append(f"started:{user}")

    async def stopping(application: Application) -> None:
        await services_of(application).storage.get_user(1)  # still open
        seen.append("stopping")

    application = build_application(
        settings,
        ruleset=fixture_ruleset,
        clock=clock,
        request=api.request(),
        get_updates_request=api.request(),
        on_startup=[started],
        on_shutdown=[stopping],
    )
    await application.initialize()
    await startup(application)
    services = application.bot_data["hamroh"]
    assert services.owns_storage and settings.db_path.exists()
    await app_module.shutdown(application)
    assert services.store is None
    assert seen == ["started:None", "stopping"]
    await application.shutdown()


def test_run_tunes_the_garbage_collector_as_its_last_start_up_hook(
    monkeypatch, settings: Settings, fixture_ruleset
):
    """``hamroh run`` ends its start-up by freezing the objects alive then out of the
    collector's way and raising its first threshold; the tests' own applications do not."""
    built: dict[str, Any] = {}
    real_build = app_module.build_application

    def capture(*args: Any, **kwargs: Any) -> Application:  # type: ignore[type-arg]
        built.update(kwargs)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(app_module, "configure_logging", lambda *args: None)
    monkeypatch.setattr(app_module, "build_application", capture)
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: None)
    monkeypatch.setattr(app_module, "load_ruleset", lambda _d: fixture_ruleset)
    app_module.run(settings)
    assert built["on_startup"][-1] is app_module.tune_garbage_collector
    before, threshold = gc.get_freeze_count(), gc.get_threshold()
    try:
        asyncio.run(app_module.tune_garbage_collector(None))  # type: ignore[arg-type]
        assert gc.get_freeze_count() > before
        assert gc.get_threshold() == (20_000, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_run_uses_long_polling_by_default(monkeypatch, settings: Settings, fixture_ruleset):
    calls: dict[str, Any] = {}
    monkeypatch.setattr(app_module, "configure_logging", lambda *args: None)
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: calls.update(kw))
    monkeypatch.setattr(app_module, "load_ruleset", lambda _d: fixture_ruleset)
    app_module.run(settings)
    assert calls == polling_options()
    assert calls["drop_pending_updates"] is False


def test_run_starts_the_send_queue_with_the_bot(monkeypatch, settings: Settings, fixture_ruleset):
    """The running bot gets the sender and the minute tick (bot.telegram.background)."""
    built: list[Application] = []
    monkeypatch.setattr(app_module, "configure_logging", lambda *args: None)
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: built.append(self))
    monkeypatch.setattr(app_module, "load_ruleset", lambda _d: fixture_ruleset)
    app_module.run(settings)
    services = services_of(built[0])
    starts = [hook.__qualname__ for hook in services.on_startup]
    stops = [hook.__qualname__ for hook in services.on_shutdown]
    assert "background_hooks.<locals>.start" in starts
    assert stops[-1] == "background_hooks.<locals>.stop"  # the queue stops last, after ops
    limiter = built[0].bot.rate_limiter
    assert isinstance(limiter, BudgetRateLimiter) and limiter.budget is services.budget


def test_run_uses_a_webhook_with_the_secret(monkeypatch, settings: Settings, fixture_ruleset):
    calls: dict[str, Any] = {}
    monkeypatch.setattr(app_module, "configure_logging", lambda *args: None)
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: calls.update(kw))
    monkeypatch.setattr(app_module, "load_ruleset", lambda _d: fixture_ruleset)
    configured = settings.model_copy(
        update={
            "webhook_url": "https://bot.example.org/hook/abc",
            "webhook_secret": Settings(webhook_secret="s3cret_token").webhook_secret,
            "webhook_port": 8443,
        }
    )
    app_module.run(configured)
    assert calls["secret_token"] == "s3cret_token"
    assert calls["webhook_url"] == "https://bot.example.org/hook/abc"
    assert calls["url_path"] == "hook/abc"
    assert calls["allowed_updates"] == list(ALLOWED_UPDATES)
    assert calls["drop_pending_updates"] is False


def test_run_without_a_token_fails_clearly(settings: Settings, fixture_ruleset):
    with pytest.raises(ValueError, match="HAMROH_BOT_TOKEN"):
        build_application(
            settings.model_copy(update={"bot_token": SecretStr("")}), ruleset=fixture_ruleset
        )


def test_logging_never_shows_texts_or_the_token(monkeypatch):
    monkeypatch.setattr(logging, "basicConfig", lambda **kw: None)  # keep pytest's handlers
    levels = {name: logging.getLogger(name).level for name in ("telegram", "httpx", "httpcore")}
    app_module.configure_logging("DEBUG")
    try:
        assert logging.getLogger("telegram").getEffectiveLevel() >= logging.INFO
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("failure", ["conflict", "connection lost"])
async def test_another_poller_on_the_token_is_one_line_each_time_and_polling_goes_on(
    settings: Settings, api: FakeBotAPI, fixture_ruleset: Ruleset, clock, caplog, failure: str
):
    """Two ``hamroh run`` with one token: Telegram answers one of them 409 Conflict. The
    operator reads what is wrong, not fifteen stack frames about PTB's internals."""
    from bot.testing.fake_errors import CONNECTION_LOST, ApiError

    conflict = ApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
    )
    said = {
        "conflict": (
            "ERROR",
            "Telegram says another process is getting this bot's updates (Conflict): only one "
            "hamroh run may poll a token; stop the other one (or run them all with a webhook)",
        ),
        "connection lost": (
            "WARNING",
            "getting updates from Telegram failed (NetworkError); trying again",
        ),
    }[failure]
    caplog.set_level(logging.INFO)
    async with FakeBotAPIServer(api) as server:
        configured = settings.model_copy(update={"bot_api_url": server.base_url})
        database = await Database.open(configured.db_path)
        application = build_application(
            configured, storage=database, ruleset=fixture_ruleset, clock=clock
        )
        await application.initialize()
        await startup(application)
        api.fail_next("getUpdates", conflict if failure == "conflict" else CONNECTION_LOST, times=2)

        def as_run_polling_does(error: Exception) -> None:  # PTB's run_polling passes this
            application.create_task(application.process_error(error=error, update=None))

        await application.updater.start_polling(
            **polling_options(), error_callback=as_run_polling_does
        )
        await application.start()
        try:
            api.push_update(api.text_update(42, "/start", language_code="ky"))
            await _until(lambda: api.last_message(42) is not None, rounds=20000)
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            await database.close()
    ours = [r for r in caplog.records if r.name == "bot.telegram.errors"]
    assert ours and {(r.levelname, r.getMessage()) for r in ours} == {said}
