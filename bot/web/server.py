"""`hamroh web`: the Starlette application and how uvicorn serves it.

Layers, outermost first: the access log (optional, no addresses), the shield (the
body limit, gzip, the security headers; an unexpected error is logged as type and
frames, never its message, and answered with the friendly page), then Starlette's
routing with friendly pages for 404, 405, 400 and 413.
"""

from __future__ import annotations

import asyncio
import ctypes
import datetime as dt
import errno
import gc
import logging
import re
import socket
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Multiprocess, Process
from uvicorn.supervisors.multiprocess import logger as supervisor_log

from bot.core.locales import LANGUAGE_NAMES, today_in_law
from bot.core.rules import Ruleset, RulesetInvalid, load_ruleset
from bot.export import FontNotFound, Fonts, find_fonts
from bot.i18n import Catalogs, require_catalogs
from bot.ops.logs import configure_logging
from bot.web.form import MAX_BODY
from bot.web.guard import AccessLog, BodyTooLarge, read_body, replaying, secured
from bot.web.pages import BadForm, WebPages, system_now
from bot.web.render import environment, load_static
from bot.web.wire import accepts_gzip, compressible, packed

logger = logging.getLogger(__name__)


STATIC_CACHE = "public, max-age=31536000, immutable"
KNOWN_PATHS = re.compile(
    r"/|/favicon\.ico|/health|/static/[a-z]+\.(css|js)"
    r"|/(" + "|".join(LANGUAGE_NAMES) + r")(/|/step|/file)?"
)


def moscow_today() -> date:
    """The day answers are judged on: the legal day now (the bot uses the same day)."""
    return today_in_law(dt.datetime.now(dt.UTC))


def _locale_in_path(path: str) -> str | None:
    first = path.strip("/").split("/", 1)[0]
    return first if first in LANGUAGE_NAMES else None


class Shield:
    """The one layer around the Starlette app: the body limit, gzip, the security
    headers, and nothing escapes as a traceback. One layer rather than four: each
    ASGI wrapper is a coroutine and a ``send`` of its own per response, some 0.004 ms
    a page (BENCHMARKS.md, 7).

    In the order a request meets them: a body over :data:`MAX_BODY` gets the friendly
    413 page (:func:`~bot.web.guard.read_body`); a text response is compressed or not
    (:func:`~bot.web.wire.packed`) and gets the security headers
    (:func:`~bot.web.guard.secured`). An unexpected error is logged as type and frames,
    never its message, and answered with the friendly page if nothing was sent yet.

    And nothing of the person stays behind: when a request ends, the rules engine's
    CEL contexts, which keep the last evaluation's values to convert fewer next time,
    are put back to no answers (`EvaluationPlan.forget_person`). A request's work on
    the rules runs without an ``await`` in between, so no other request's evaluation
    is ever cut short by this.
    """

    def __init__(self, app: ASGIApp, pages: WebPages) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        gzip = accepts_gzip(scope)
        held: Message | None = None

        async def respond(message: Message) -> None:
            nonlocal started, held
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if compressible(headers):  # held until its body: gzip may change both
                    held = message
                    return
                message = {**message, "headers": secured(headers)}
                started = True
            elif held is not None and message["type"] == "http.response.body":
                start, message = packed(held, message, gzip)
                held = None
                started = True
                await send({**start, "headers": secured(start["headers"])})
            await send(message)

        try:
            try:
                body = await read_body(scope, receive, MAX_BODY)
            except BodyTooLarge:
                await self._problem(scope, 413)(scope, receive, respond)
                return
            if body is not None:  # else the client went away
                await self.app(scope, replaying(body, receive), respond)
        except Exception:
            logger.exception("web request failed", extra={"event": "web_error"})
            if not started:
                await self._problem(scope, 500)(scope, receive, send)
        finally:
            self.pages.ruleset.plan.forget_person()

    def _problem(self, scope: Scope, status: int) -> Response:
        return self.pages.problem(Request(scope), _locale_in_path(scope["path"]), status)


def fonts_once(folder: Path | None) -> Callable[[], Fonts | None]:
    """The timeline picture's fonts, looked up at the first picture (``HAMROH_FONT_DIR``
    or the usual places); without them, one line in the log and the dates as text."""
    found: list[Fonts | None] = []

    def fonts() -> Fonts | None:
        if not found:
            try:
                found.append(find_fonts(folder))
            except FontNotFound as error:
                logger.error("%s", error)
                found.append(None)
        return found[0]

    return fonts


def create_app(
    ruleset: Ruleset,
    catalogs: Catalogs,
    today: Callable[[], date] = moscow_today,
    *,
    access_log: bool = False,
    font_dir: Path | None = None,
    prewarm: bool = False,
) -> ASGIApp:
    """The whole web channel as one ASGI app (``today`` is injected for tests and --as-of).

    ``prewarm``: make the parts of pages that are the same for everyone now, not as
    pages are first shown (:meth:`WebPages.prewarm`); ``hamroh web`` does.
    """
    static = load_static()
    templates = Jinja2Templates(env=environment(static))
    pages = WebPages(ruleset, catalogs, templates, today, system_now, fonts_once(font_dir))
    if prewarm:
        pages.prewarm()

    async def static_file(request: Request) -> Response:
        item = static.get(str(request.path_params["name"]))
        if item is None:
            raise HTTPException(404)
        return Response(
            item.body, media_type=item.media_type, headers={"Cache-Control": STATIC_CACHE}
        )

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204, headers={"Cache-Control": STATIC_CACHE})

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def http_problem(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 400
        response = pages.problem(request, _locale_in_path(request.url.path), status)
        if isinstance(error, HTTPException) and status == 405:
            response.headers["Allow"] = (error.headers or {}).get("Allow", "GET")
        return response

    async def server_problem(request: Request, error: Exception) -> Response:
        return pages.problem(request, _locale_in_path(request.url.path), 500)

    # Every tap is a POST to /<locale>/step, so it is tried first (Starlette tries the
    # routes in order, and takes the first whose path and method both fit: no path here
    # fits two routes with the same method, so the order changes no answer).
    routes = [
        Route("/{locale}/step", pages.step, methods=["POST"]),
        Route("/{locale}/", pages.start, methods=["GET"]),
        Route("/", pages.languages, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/static/{name}", static_file, methods=["GET"]),
        Route("/{locale}", pages.add_slash, methods=["GET"]),
        Route("/{locale}/file", pages.file, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: http_problem,
            BadForm: http_problem,
            Exception: server_problem,
        },
    )
    # Starlette would answer ``/ru//`` or ``/ru/step/`` with a redirect to an absolute
    # ``http://<Host>/…``, wrong behind a TLS proxy or under a path prefix: such a path
    # gets the friendly "not found" page instead (``/ru`` has its own relative redirect).
    app.router.redirect_slashes = False

    wrapped: ASGIApp = Shield(app, pages)
    if access_log:
        wrapped = AccessLog(wrapped, KNOWN_PATHS)
    return wrapped


class _OneWrite:
    """A connection's transport that sends what a response writes in one step of the
    event loop as one ``send``: uvicorn writes a response's head and its body
    separately, which on a keep-alive connection with ``TCP_NODELAY`` is two system
    calls and two packets (and two wake-ups of the client) for every page. The bytes
    are the same, in the same order; they leave at the end of the step (head and body
    are written in the same one), and before the connection is closed.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes | bytearray | memoryview] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        pending = self._pending
        if pending:
            self._pending = []
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # is_closing, get_extra_info, pause_reading…
        return getattr(self._transport, name)


class OneWriteHttp(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools) on a :class:`_OneWrite` transport."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(_OneWrite(transport))  # type: ignore[arg-type]


def uvicorn_config(
    app: ASGIApp | WorkerApp,
    host: str,
    port: int,
    log_level: str = "INFO",
    *,
    workers: int = 1,
    lifespan: Literal["on", "off"] = "off",
) -> Any:
    """How uvicorn serves the web channel (the benchmark serves its baseline the same way).

    Its own access log is off (it prints client addresses); our logging (JSON lines,
    the privacy filter) is set up by the CLI, so uvicorn gets no config of its own. No
    ``Server`` header, no proxy headers (nothing here reads the client's address).
    Each response leaves in one write (:class:`OneWriteHttp`).
    """
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        log_level=log_level.lower(),
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=10,
        http=OneWriteHttp,
    )


@dataclass(frozen=True)
class Serving:
    """What a process serving the web channel makes it from: plain values, because each
    worker of ``hamroh web --workers`` is a new interpreter (uvicorn starts them with
    ``spawn``) that gets a copy of these, not the parent's ruleset or templates."""

    rules_dir: Path
    locales_dir: Path
    font_dir: Path | None = None
    as_of: date | None = None
    access_log: bool = False
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    def today(self) -> Callable[[], date]:
        fixed = self.as_of
        return (lambda: fixed) if fixed else moscow_today

    def make_app(self, ruleset: Ruleset | None = None, catalogs: Catalogs | None = None) -> ASGIApp:
        """The channel with every shared part made (``prewarm``), then the long-lived
        objects moved out of the garbage collector's way, so its full passes stay short
        under load."""
        app = create_app(
            ruleset or load_ruleset(self.rules_dir),
            catalogs or require_catalogs(self.locales_dir),
            self.today(),
            access_log=self.access_log,
            font_dir=self.font_dir,
            prewarm=True,
        )
        gc.collect()
        gc.freeze()
        return app


class WorkerApp:
    """The web channel in one worker of several: made at the ASGI lifespan's startup, in
    the worker (its logging too: a spawned interpreter starts without the parent's).

    A ruleset broken since the parent checked it (or anything else that stops the
    channel being made) fails the startup with one line, and uvicorn's supervisor then
    stops every worker instead of starting them again and again.
    """

    def __init__(self, serving: Serving) -> None:
        self.serving = serving
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is not None:
            await self.app(scope, receive, send)
            return
        if scope["type"] != "lifespan":
            raise RuntimeError("the web channel was not started (no lifespan startup)")
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send(self._start())
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _start(self) -> Message:
        configure_logging(self.serving.log_level, self.serving.log_format)
        try:
            self.app = self.serving.make_app()
        except RulesetInvalid as error:
            first = str(error).splitlines()[0] if str(error) else "errors"
            return {"type": "lifespan.startup.failed", "message": f"the ruleset: {first}"}
        except Exception as error:  # a catalog or template folder gone: one line, no stack
            first = str(error).splitlines()[0] if str(error) else ""
            message = f"cannot make the pages: {type(error).__name__} {first}".rstrip()
            return {"type": "lifespan.startup.failed", "message": message}
        return {"type": "lifespan.startup.complete"}


BACKLOG = 2048
"""Connections a listening socket holds before a worker accepts them (uvicorn's default)."""

_SO_ATTACH_REUSEPORT_CBPF = 51  # <asm-generic/socket.h>; not in Python's socket module
_SKF_NET_OFF = -0x100000  # a classic BPF load this far back reads the IP header


def _steering(family: int, count: int) -> bytes:
    """A classic BPF program for a group of ``count`` sockets sharing a port: a new
    connection goes to socket ``hash(client port) % count`` of the group, in the order
    the sockets started listening.

    It is there for two reasons. The index never reaches ``count``, so a program that
    joins the group later (possible with SO_REUSEPORT for any program of the same
    user) is never handed a connection. And the client port, mixed by a multiplicative
    hash (Knuth's), spreads the connections of one client as well as of many: Linux
    gives ``connect()`` even ports, which ``port % count`` alone would send to one
    worker. The port's offset assumes an IP header without options (a SYN has none in
    practice; with some, another two bytes of the header are hashed instead).
    """
    header = 40 if family == socket.AF_INET6 else 20
    code = [
        (0x28, (_SKF_NET_OFF + header + 0) & 0xFFFFFFFF),  # ldh [source port]
        (0x24, 2654435761),  # mul: Knuth's multiplicative hash (2^32 / golden ratio)
        (0x74, 16),  # rsh: its high half
        (0x94, count),  # mod
        (0x16, 0),  # ret a
    ]
    return b"".join(struct.pack("HBBI", op, 0, 0, k) for op, k in code)


def _attach_steering(sock: socket.socket, count: int) -> None:
    program = ctypes.create_string_buffer(_steering(sock.family, count))
    size = len(program.raw) // 8
    sock.setsockopt(
        socket.SOL_SOCKET,
        _SO_ATTACH_REUSEPORT_CBPF,
        struct.pack("HL", size, ctypes.addressof(program)),
    )  # the kernel copies the program; the buffer may go


def listening_sockets(host: str, port: int, count: int = 1) -> list[socket.socket]:
    """The sockets the workers accept on: one per worker, bound here so that a port that
    is taken is an ``OSError`` for the CLI to explain in one line (uvicorn would log it
    and exit 3). Made as uvicorn makes its own: IPv6 when the address has a colon,
    address reuse, and the protocol named (``IPPROTO_TCP``): asyncio turns Nagle's
    algorithm off (``TCP_NODELAY``) only on connections of a socket that says it is
    TCP, and with Nagle on, a response's body waited for the client's delayed ACK of
    its head, up to 40 ms (a socket made with the protocol left 0 had it on).

    With several workers each gets its own socket on the same port (SO_REUSEPORT), and
    the kernel spreads new connections over them, instead of all workers waking for each
    connection on one socket and the first to run taking most (112 / 88 to 156 / 44 of a
    burst of 200). SO_REUSEPORT must not let this port be shared with anyone else, so:

    - the first socket is bound *without* it, which fails if any program (another
      ``hamroh web`` too) holds the port, with or without SO_REUSEPORT; only then is the
      option set on it and the others bound beside it;
    - while they are bound, another ``hamroh web`` fails the same way (its first bind);
    - a program of the same user that binds the port later with SO_REUSEPORT joins the
      group, but the group's steering program (:func:`_steering`) never hands it a
      connection.

    All of them listen here, before any worker starts, so the group is ours and in this
    order, and a connection made while the workers start waits instead of being refused.
    Only Linux has the steering program; elsewhere, and where the kernel refuses
    SO_REUSEPORT or the program (some sandboxes do), all workers share one socket, as
    uvicorn's own supervisor has them: the service runs, only less evenly spread, and
    the log says so once.
    """
    if count > 1 and sys.platform == "linux":
        try:
            return _bound(host, port, count)
        except OSError as error:
            if error.errno not in _NOT_SUPPORTED:
                raise
            logger.warning(
                "the workers share one socket: this system refuses SO_REUSEPORT or its "
                "steering program (%s)",
                error.strerror or type(error).__name__,
            )
    return _bound(host, port, 1)


_NOT_SUPPORTED = frozenset(
    getattr(errno, name)
    for name in ("ENOPROTOOPT", "EOPNOTSUPP", "ENOTSUP", "EINVAL", "EPERM", "ENOSYS")
    if hasattr(errno, name)
)
"""What a kernel that lacks SO_REUSEPORT or classic BPF steering answers (a taken port
is ``EADDRINUSE``, which is explained, not worked around)."""


def _bound(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound and listening (:func:`listening_sockets`), spread by the
    steering program when more than one; all closed again if any step fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    spread = count > 1
    made: list[socket.socket] = []
    try:
        for index in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            made.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if index > 0:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            if spread and index == 0:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                port = sock.getsockname()[1]  # port 0: the others take the one it got
        if spread:
            _attach_steering(made[0], count)
        for sock in made:
            sock.listen(BACKLOG)
            sock.set_inheritable(True)
    except OSError:
        for sock in made:
            sock.close()
        raise
    return made


class Workers(Multiprocess):
    """uvicorn's supervisor (``uvicorn.supervisors.Multiprocess``), but each worker
    serves its own socket of :func:`listening_sockets`: worker ``i`` gets ``sockets[i]``,
    and a worker started again (it died, or SIGHUP) gets the same one. The parent keeps
    every socket open, so connections the kernel hands a worker's socket while that
    worker is started again wait for it in the socket's backlog.

    The methods below are uvicorn's (0.55, ``uvicorn/supervisors/multiprocess.py``,
    BSD-3-Clause, © Encode OSS Ltd.) with the worker's socket as the only change, so
    ``pyproject.toml`` pins uvicorn to 0.55.x: a new release is read before it is allowed;
    SIGTTIN and SIGTTOU (one worker more or less) are ignored: the sockets, and the
    group's steering program, are made for the number given at start. With one shared
    socket (not Linux, or a kernel that refuses the steering) it is uvicorn's supervisor
    as it is.
    """

    def _worker(self, slot: int) -> Process:
        mine = self.sockets if len(self.sockets) == 1 else [self.sockets[slot]]
        return Process(self.config, mine)

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            process = self._worker(slot)
            process.start()
            self.processes.append(process)

    def restart_all(self) -> None:
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._worker(slot)
            new.start()
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    supervisor_log.error(
                        f"New child process [{new.pid}] was not ready in time; "
                        f"keeping worker [{old.pid}] and aborting the restart."
                    )
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                supervisor_log.error(
                    f"Child process [{process.pid}] failed to start, stopping the parent process."
                )
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            supervisor_log.info(f"Child process [{process.pid}] died")
            process = self._worker(slot)
            process.start()
            self.processes[slot] = process

    def handle_ttin(self) -> None:
        supervisor_log.info("Received SIGTTIN: the number of workers is fixed at start.")

    def handle_ttou(self) -> None:
        supervisor_log.info("Received SIGTTOU: the number of workers is fixed at start.")


def serve(
    serving: Serving,
    host: str,
    port: int,
    *,
    workers: int = 1,
    ruleset: Ruleset | None = None,
    catalogs: Catalogs | None = None,
) -> None:
    """Run uvicorn until SIGINT/SIGTERM: in this process, or in ``workers`` processes
    on one port, each with its own socket (:func:`listening_sockets`; any worker can
    answer any request, since nothing is kept between requests).

    With one worker the channel is made here from ``ruleset`` and ``catalogs`` (the ones
    the CLI checked); with several, each worker makes its own (:class:`WorkerApp`) and
    the supervisor (:class:`Workers`) starts a worker again when one dies.
    """
    import uvicorn

    sockets = listening_sockets(host, port, workers)
    if workers == 1:
        config = uvicorn_config(serving.make_app(ruleset, catalogs), host, port, serving.log_level)
        uvicorn.Server(config).run(sockets=sockets)
        return
    config = uvicorn_config(
        WorkerApp(serving), host, port, serving.log_level, workers=workers, lifespan="on"
    )
    supervisor = Workers(config, sockets)
    supervisor.run()
    if any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes):
        raise WorkerFailed


class WorkerFailed(Exception):
    """A worker of several could not start (its reason is in the log), so uvicorn's
    supervisor stopped them all: ``hamroh web`` exits non-zero, and a service manager
    that restarts failed services sees a failure."""
