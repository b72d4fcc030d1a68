"""What every response of the web channel carries, and what every request may not do.

What the channel's one layer around the Starlette app (:class:`bot.web.server.Shield`)
does before any routing or form parsing and to every response:

- :func:`secured`: a strict Content-Security-Policy (everything from our
  own origin; no inline script or style, no frames, forms post only to us),
  ``Referrer-Policy: no-referrer`` (a mirror's address never leaks to the links in
  a result), ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, and
  ``Cache-Control: no-store`` on pages (a result must not stay in the cache of a
  phone that is inspected or shared). No cookie is ever set.
- :func:`read_body`: a POST body over the limit is refused before it is read
  (by its Content-Length) or as soon as it grows past it (chunked), with the
  friendly page; the body is read once and handed on (:func:`replaying`), so the
  app never sees more.
- :class:`AccessLog`: one line per request with method, path, status and time, but
  no client address, query string or body (the answers travel in the body, and a
  list of addresses of undocumented people is what we must not keep). A path that
  is not one of ours is logged as ``-``: anyone can type anything there.
"""

from __future__ import annotations

import logging
import re
import time

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

RAW_HEADERS: list[tuple[bytes, bytes]] = [
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()
]
""":data:`HEADERS` as ASGI sends them (lower-case names, bytes), encoded once."""
NO_STORE = (b"cache-control", b"no-store")
_REPLACED = frozenset(name for name, _ in RAW_HEADERS) | {b"set-cookie"}


def secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's headers with :data:`HEADERS` (ours replace the app's; a cookie never
    gets out), and ``no-store`` unless the response says how to cache it (a static file).

    The headers stay a list of byte pairs, filtered and extended as such (no header
    object per response: a page's whole budget is a fraction of a millisecond, see
    BENCHMARKS.md, 7).
    """
    kept = [(n, v) for n, v in headers if n not in _REPLACED]
    if not any(name == b"cache-control" for name, _ in kept):
        kept.append(NO_STORE)
    return kept + RAW_HEADERS


class BodyTooLarge(Exception):
    """A request body over the limit (declared or sent): refused before the app reads it."""


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole request body, at most ``limit`` bytes; None if the client went away.

    A ``Content-Length`` over the limit (or not a number) is refused before anything is
    read, a chunked body as soon as it grows past it (:class:`BodyTooLarge`).
    """
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = value.decode("latin-1")
            if not declared.isdecimal() or int(declared) > limit:
                raise BodyTooLarge
            break
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the connection's own."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


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
