"""Serve a :class:`FakeBotAPI` over real HTTP on 127.0.0.1, for end-to-end polling tests.

Why: the in-process transport skips PTB's HTTP layer (httpx, form encoding, URL
building from ``base_url``, read timeouts around long polls). A few tests should run
the real ``Updater.start_polling()`` loop through that layer; this server makes that
possible without a network or Node. It uses tornado, which PTB's ``[webhooks]``
extra already installs.

URL layout as Telegram's: ``/bot<token>/<method>``, accepting JSON, form-encoded and
multipart bodies (PTB's httpx transport posts form fields whose non-string values are
JSON-encoded) and query strings. Point PTB at it with
``ApplicationBuilder().token(api.token).base_url(server.base_url)``.

Simulated network failures: a connection loss closes the socket without a response
(httpx: ``RemoteProtocolError`` → PTB ``NetworkError``); a timeout holds the response
for ``hang_seconds`` so the client's read timeout fires (PTB ``TimedOut``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from types import TracebackType
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.testing.fake_bot_api import FakeBotAPI
from bot.testing.fake_errors import ApiError, SimulatedNetworkFailure
from bot.testing.fake_model import UploadedFile

logger = logging.getLogger(__name__)


class _BotApiHandler(tornado.web.RequestHandler):
    """One Bot API call over HTTP."""

    def initialize(self, server: FakeBotAPIServer) -> None:  # tornado's hook, not __init__
        self._server = server

    def check_xsrf_cookie(self) -> None:
        """API clients send no cookies."""

    def _params(self) -> dict[str, Any] | None:
        params: dict[str, Any] = {
            key: values[-1].decode("utf-8", "replace")
            for key, values in self.request.query_arguments.items()
        }
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError:
                return None
            if not isinstance(body, dict):
                return None
            params.update(body)
        else:
            for key, values in self.request.body_arguments.items():
                params[key] = values[-1].decode("utf-8", "replace")
        return params

    async def _serve(self, token: str, method: str) -> None:
        params = self._params()
        if params is None:
            error = ApiError(400, "Bad Request: can't parse JSON encoded request body")
            self._reply(error.error_code, error.body())
            return
        task = asyncio.current_task()
        if task is not None:
            self._server.in_flight.add(task)
        try:
            files = {
                name: UploadedFile(name, parts[-1].filename, parts[-1].body, parts[-1].content_type)
                for name, parts in self.request.files.items()
            }
            status, body = await self._server.api.handle(method, params, token=token, files=files)
        except SimulatedNetworkFailure as exc:
            if exc.failure.timeout:
                await asyncio.sleep(self._server.hang_seconds)
            self.request.connection.close()  # type: ignore[union-attr]
            return
        finally:
            if task is not None:
                self._server.in_flight.discard(task)
        self._reply(status, body)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body).encode("utf-8"))

    async def post(self, token: str, method: str) -> None:
        """Bot API calls are POSTs in PTB."""
        await self._serve(token, method)

    async def get(self, token: str, method: str) -> None:
        """Telegram accepts GET too."""
        await self._serve(token, method)


class FakeBotAPIServer:
    """A loopback HTTP server in front of a :class:`FakeBotAPI`, on a free port.

    Use as ``async with FakeBotAPIServer(api) as server: ...``; ``server.base_url``
    is what ``ApplicationBuilder().base_url(...)`` takes.
    """

    def __init__(self, api: FakeBotAPI, *, host: str = "127.0.0.1", hang_seconds: float = 30.0):
        self.api = api
        self.host = host
        self.hang_seconds = hang_seconds
        self.port = 0
        self.in_flight: set[asyncio.Task[Any]] = set()
        self._http: tornado.httpserver.HTTPServer | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/bot`` — PTB appends ``<token>/<method>``."""
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> None:
        """Bind a free port on the loopback interface and start serving."""
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z0-9_]+)", _BotApiHandler, {"server": self})],
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, self.host)
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(app)
        self._http.add_sockets(sockets)

    async def stop(self) -> None:
        """Stop listening, end pending long polls and close open connections."""
        if self._http is None:
            return
        self._http.stop()
        self.api.wake_pollers()
        for task in list(self.in_flight):
            task.cancel()
        for task in list(self.in_flight):
            with contextlib.suppress(BaseException):
                await task
        await self._http.close_all_connections()
        self._http = None

    async def __aenter__(self) -> FakeBotAPIServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
