"""Webhook mode behind a reverse proxy: only requests carrying Telegram's secret get in.

The application and its webhook options come from ``bot.telegram.app.run`` itself
(``run_webhook`` is intercepted to capture them); only the listening address is
moved to 127.0.0.1 and a free port. The Bot API is the fake, over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram import app as app_module
from bot.testing import FakeBotAPI
from bot.testing.fake_server import FakeBotAPIServer
from tests.ops.child import run_env, start_hamroh_run

ROOT = Path(__file__).resolve().parents[2]

SECRET = "s3cret_Token-42"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _captured_run(monkeypatch, settings: Settings) -> tuple[Application, dict[str, Any]]:
    captured: dict[str, Any] = {}

    def fake_run_webhook(self: Application, **kwargs: Any) -> None:
        captured.update(application=self, kwargs=kwargs)

    monkeypatch.setattr(app_module, "configure_logging", lambda *args: None)
    monkeypatch.setattr(Application, "run_webhook", fake_run_webhook)
    app_module.run(settings)
    return captured["application"], captured["kwargs"]


async def _until(condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_webhook_rejects_missing_or_wrong_secret_and_processes_the_right_one(
    monkeypatch, settings: Settings, api: FakeBotAPI, tmp_path: Path
):
    port = _free_port()
    async with FakeBotAPIServer(api) as server:
        configured = settings.model_copy(
            update={
                "bot_api_url": server.base_url,
                "webhook_url": "https://bot.example.org/hook/7f3a",
                "webhook_secret": Settings(webhook_secret=SECRET).webhook_secret,
                "heartbeat_path": tmp_path / "heartbeat",
                "heartbeat_interval": 0.05,
            }
        )
        application, options = _captured_run(monkeypatch, configured)
        assert options["secret_token"] == SECRET and options["url_path"] == "hook/7f3a"
        options.update(listen="127.0.0.1", port=port)

        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        await application.updater.start_webhook(**options)
        await application.start()
        url = f"http://127.0.0.1:{port}/hook/7f3a"
        try:
            set_webhook = api.calls_to("setWebhook")[-1].params
            assert set_webhook["url"] == "https://bot.example.org/hook/7f3a"
            assert set_webhook["secret_token"] == SECRET

            async with httpx.AsyncClient(timeout=5) as client:

                async def post(chat_id: int, headers: dict[str, str]) -> int:
                    update = api.text_update(chat_id, "/start", language_code="ky")
                    response = await client.post(
                        url,
                        content=json.dumps(update),
                        headers={"Content-Type": "application/json", **headers},
                    )
                    return response.status_code

                assert await post(501, {}) == 403
                assert await post(502, {HEADER: "wrong-secret"}) == 403
                assert await post(503, {HEADER: SECRET.upper()}) == 403
                assert await post(504, {HEADER: SECRET}) == 200
                await _until(lambda: api.last_message(504) is not None)

            assert ("✓ Кыргызча", "L:ky") in api.last_message(504).buttons()
            assert api.messages(501) == api.messages(502) == api.messages(503) == []
            # The heartbeat runs in webhook mode too (the updater runs the web server).
            await _until(lambda: configured.heartbeat_file.exists())
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            assert application.post_shutdown is not None
            await application.post_shutdown(application)
    assert not configured.heartbeat_file.exists()  # removed on a clean stop


async def test_a_webhook_port_that_is_taken_is_one_line_and_exit_1(tmp_path: Path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    api = FakeBotAPI()
    try:
        async with FakeBotAPIServer(api) as server:
            env = run_env(
                server, tmp_path / "hamroh.sqlite3", WEBHOOK_URL="https://bot.example.org/hook",
                WEBHOOK_SECRET="s3cret", WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                LOG_FORMAT="json",
            )  # fmt: skip
            process = await start_hamroh_run(env)
            _out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        taken.close()
    text = err.decode()
    assert process.returncode == 1, text[-2000:]
    assert "Traceback" not in text
    assert text.strip().splitlines()[-1] == (
        f"hamroh run: cannot listen for the webhook on 127.0.0.1:{port} (Address already in "
        "use); stop what uses it or set HAMROH_WEBHOOK_PORT / HAMROH_WEBHOOK_LISTEN"
    )


def test_a_webhook_without_a_secret_is_warned_about_at_start(
    monkeypatch, settings: Settings, caplog
) -> None:
    """Admin commands come from updates: without the secret, a forged one names an admin."""
    caplog.set_level("INFO")
    configured = settings.model_copy(update={"webhook_url": "https://bot.example.org/hook"})
    _application, options = _captured_run(monkeypatch, configured)
    assert options["secret_token"] is None
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [
        "HAMROH_WEBHOOK_SECRET is not set: whoever learns the webhook address can send the bot "
        "updates Telegram never sent, in any user's name, an admin's too; set a random one"
    ]
    caplog.clear()
    with_secret = configured.model_copy(
        update={"webhook_secret": Settings(webhook_secret=SECRET).webhook_secret}
    )
    _captured_run(monkeypatch, with_secret)
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []
