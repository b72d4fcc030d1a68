"""The real polling loop, end to end: in-process transport and loopback HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.testing import CONNECTION_LOST, TIMED_OUT, FakeBotAPI
from bot.testing.fake_server import FakeBotAPIServer


async def _reply_to_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text("Assalomu alaykum!")


async def _wait_for_reply(api: FakeBotAPI, chat_id: int) -> None:
    for _ in range(500):  # event-driven: returns as soon as the reply is there
        if api.last_message(chat_id) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no reply within 5 s")


async def _poll_once(app: Application, api: FakeBotAPI) -> None:
    app.add_handler(CommandHandler("start", _reply_to_start))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=10, drop_pending_updates=True)
        api.push_update(api.text_update(42, "/start"))
        await _wait_for_reply(api, 42)
        await app.updater.stop()
        await app.stop()
    assert api.last_message(42).text == "Assalomu alaykum!"
    assert api.pending_updates == 0  # PTB's shutdown poll confirmed the update


async def test_real_polling_loop_in_process() -> None:
    api = FakeBotAPI()
    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .build()
    )
    await _poll_once(app, api)


async def test_real_polling_loop_over_loopback_http() -> None:
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        app = ApplicationBuilder().token(api.token).base_url(server.base_url).build()
        await _poll_once(app, api)
    methods = [c.method for c in api.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert "sendMessage" in methods


async def test_http_accepts_json_form_and_query_bodies() -> None:
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server, httpx.AsyncClient() as client:
        url = f"{server.base_url}{api.token}"
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        r = await client.post(
            f"{url}/sendMessage", json={"chat_id": 1, "text": "json", "reply_markup": markup}
        )
        assert r.status_code == 200 and r.json()["result"]["reply_markup"] == markup
        r = await client.post(f"{url}/sendMessage", data={"chat_id": "1", "text": "form"})
        assert r.json()["ok"] is True
        r = await client.get(f"{url}/getMe")
        assert r.json()["result"]["is_bot"] is True
        r = await client.post(
            f"{url}/sendMessage", content=b"[1,", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400 and r.json()["ok"] is False
        r = await client.post(f"{server.base_url}999:bad/getMe")
        assert r.status_code == 401 and r.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
        r = await client.post(f"{url}/noSuchMethod")
        assert r.status_code == 404 and json.loads(r.text)["description"] == "Not Found"
    assert [m.text for m in api.messages(1)] == ["json", "form"]


async def test_http_network_failures_surface_as_ptb_errors() -> None:
    api = FakeBotAPI()
    async with FakeBotAPIServer(api, hang_seconds=1.0) as server:
        request = HTTPXRequest(read_timeout=0.1)
        async with Bot(api.token, base_url=server.base_url, request=request) as bot:
            api.fail_next("sendMessage", CONNECTION_LOST)
            with pytest.raises(NetworkError) as info:
                await bot.send_message(1, "x")
            assert not isinstance(info.value, TimedOut)
            api.fail_next("sendMessage", TIMED_OUT)
            with pytest.raises(TimedOut):
                await bot.send_message(1, "x")
            await bot.send_message(1, "after")
    assert [m.text for m in api.messages(1)] == ["after"]
