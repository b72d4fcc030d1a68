"""What every response of the web channel carries, and what every request may not do.

Pure ASGI wrappers around the Starlette app, so they act before any routing or
form parsing:

- :class:`SecurityHeaders`: a strict Content-Security-Policy (everything from our
  own origin; no inline script or style, no frames, forms post only to us),
  ``Referrer-Policy: no-referrer`` (a mirror's address never leaks to the links in
  a result), ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, and
  ``Cache-Control: no-store`` on pages (a result must not stay in the cache of a
  phone that is inspected or shared). No cookie is ever set.
- :class:`BodyLimit`: a POST body over the limit is refused before it is read
  (by its Content-Length) or as soon as it grows past it (chunked), with the
  friendly page; the body is read once and handed on, so the app never sees more.
- :class:`AccessLog`: one line per request with method, path, status and time, but
  no client address, query string or body (the answers travel in the body, and a
  list of addresses of undocumented people is what we must not keep). A path that
  is not one of ours is logged as ``-``: anyone can type anything there.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

logger = logging.getLogger("bot.web.access")

Refusal = Callable[[Scope, int], Awaitable[Response]]
"""Builds the friendly page for a refused request (scope, HTTP status)."""


RAW_HEADERS: list[tuple[bytes, bytes]] = [
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()
]
""":data:`HEADERS` as ASGI sends them (lower-case names, bytes), encoded once."""
NO_STORE = (b"cache-control", b"no-store")
_REPLACED = frozenset(name for name, _ in RAW_HEADERS) | {b"set-cookie"}


class SecurityHeaders:
    """Add :data:`HEADERS` to every response; ``no-store`` unless it is a static file.

    The response's own headers are a list of byte pairs; they are filtered and
    extended as such (no header object per response: a page's whole budget is a
    fraction of a millisecond, see BENCHMARKS.md, 7).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # a header of ours replaces the app's; a cookie never gets out
                headers = [(n, v) for n, v in message.get("headers", []) if n not in _REPLACED]
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message = {**message, "headers": headers + RAW_HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes before the app reads them."""

    def __init__(self, app: ASGIApp, limit: int, refuse: Refusal) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdecimal() or int(declared) > self.limit):
            await (await self.refuse(scope, 413))(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                await (await self.refuse(scope, 413))(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class AccessLog:
    """``POST /ru/step 200 4.1ms``: no address, no query, no body; unknown paths as ``-``."""

    def __init__(self, app: ASGIApp, known_path: re.Pattern[str]) -> None:
        self.app = app
        self.known_path = known_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, note_status)
        finally:
            path = scope.get("path", "")
            shown = path if self.known_path.fullmatch(path) else "-"
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %d %.1fms",
                scope.get("method", "-"),
                shown,
                status,
                elapsed,
                extra={"event": "web_request", "status": status},
            )
