"""`hamroh web`: the Starlette application and how uvicorn serves it.

Layers, outermost first: the access log (optional, no addresses), the shield (an
unexpected error is logged as type and frames, never its message, and answered with
the friendly page), the security headers, gzip, the body limit, then Starlette's
routing with friendly pages for 404, 405, 400 and 413.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.core.locales import LANGUAGE_NAMES, today_in_law
from bot.core.rules import Ruleset
from bot.export import FontNotFound, Fonts, find_fonts
from bot.i18n import Catalogs
from bot.web.form import MAX_BODY
from bot.web.guard import AccessLog, BodyLimit, SecurityHeaders
from bot.web.pages import BadForm, WebPages, system_now
from bot.web.render import environment, load_static
from bot.web.wire import Gzip

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
    """Nothing escapes as a traceback: log the error's type and frames, answer kindly.

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

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            logger.exception("web request failed", extra={"event": "web_error"})
            if not started:
                request = Request(scope)
                response = self.pages.problem(request, _locale_in_path(scope["path"]), 500)
                await response(scope, receive, send)
        finally:
            self.pages.ruleset.plan.forget_person()


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

    async def refuse(scope: Scope, status: int) -> Response:
        return pages.problem(Request(scope), _locale_in_path(scope["path"]), status)

    wrapped: ASGIApp = BodyLimit(app, MAX_BODY, refuse)
    wrapped = Gzip(wrapped)
    wrapped = SecurityHeaders(wrapped)
    wrapped = Shield(wrapped, pages)
    if access_log:
        wrapped = AccessLog(wrapped, KNOWN_PATHS)
    return wrapped


def uvicorn_config(app: ASGIApp, host: str, port: int, log_level: str = "INFO") -> Any:
    """How uvicorn serves the web channel (the benchmark serves its baseline the same way).

    Its own access log is off (it prints client addresses); our logging (JSON lines,
    the privacy filter) is set up by the CLI, so uvicorn gets no config of its own. No
    ``Server`` header, no proxy headers (nothing here reads the client's address).
    """
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=log_level.lower(),
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
        timeout_graceful_shutdown=10,
    )


def serve(
    ruleset: Ruleset,
    catalogs: Catalogs,
    host: str,
    port: int,
    *,
    today: Callable[[], date] = moscow_today,
    access_log: bool = False,
    log_level: str = "INFO",
    font_dir: Path | None = None,
) -> None:
    """Run uvicorn until SIGINT/SIGTERM."""
    import uvicorn

    app = create_app(
        ruleset, catalogs, today, access_log=access_log, font_dir=font_dir, prewarm=True
    )
    # The ruleset, the catalogs and the compiled templates live as long as the process:
    # out of the garbage collector's way, so its full passes stay short under load.
    gc.collect()
    gc.freeze()
    uvicorn.Server(uvicorn_config(app, host, port, log_level)).run()
