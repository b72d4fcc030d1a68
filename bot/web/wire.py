"""Pages gzip-compressed on the way out, in one call per response; pages made once.

Why not Starlette's ``GZipMiddleware``: it is written for streamed bodies (a
compressor object per response, header objects built and rebuilt around it), and
in this channel every response is one body, a page of 1-25 KB. Measured in
process (BENCHMARKS.md, 7), it cost a question page 0.05-0.1 ms, a quarter of all
the page's work; one ``zlib.compress`` of the whole body does the same in 0.02 ms.
A streamed body (none of ours) passes through unchanged (:func:`packed`, called by
the one layer around the app, :class:`bot.web.server.Shield`).

The compressor is ISA-L's (``isal``, Intel's Intelligent Storage Acceleration
Library, with a ``zlib``-like module and the same gzip format). Every page a person
gets is compressed afresh, and on the 21.7 KB result page this was a sixth of the
page's CPU. Measured alone on 2 Dec (Intel Xeon), for that page:
- ISA-L level 3 makes 6,466 bytes in 0.052 ms;
- zlib-ng level 3 (used before) makes 6,152 bytes in 0.109 ms.
Over all 1,313 pages of ``benchmarks/bench_7_web_pages.py``, ISA-L makes 3.2 % more
bytes (2,280 instead of 2,210 on average; the largest is 9.2 KB, under a third of the
30 KB budget), in half the time (BENCHMARKS.md, 7). A page made once for everyone
(:class:`SharedPage`) is compressed once, so it gets the standard library's smallest
gzip instead (level 9).

:class:`SharedPage` is a page that is the same for everyone who asks for it (the
first question of a language: no answers yet), kept rendered and compressed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from isal import isal_zlib
from starlette.responses import Response
from starlette.types import Message, Scope

GZIP = 16 + zlib.MAX_WBITS
"""``wbits`` for the gzip container (what ``Content-Encoding: gzip`` means)."""
LEVEL = isal_zlib.ISAL_BEST_COMPRESSION
"""ISA-L's level 3, its smallest. On the result page, alone: level 1 makes 6,747 bytes
in 0.032 ms, 2 makes 6,687 in 0.035 ms, 3 makes 6,466 in 0.052 ms."""
ONCE_LEVEL = 9
"""The standard library's smallest gzip, for what is compressed once (:class:`SharedPage`)."""
MINIMUM_SIZE = 500
"""Smaller bodies (a redirect, ``ok``) would not get smaller."""
VARY = (b"vary", b"Accept-Encoding")


def compress(body: bytes) -> bytes:
    """A page for one person, compressed for the wire (fast: one per request)."""
    return isal_zlib.compress(body, LEVEL, wbits=GZIP)


def compress_once(body: bytes) -> bytes:
    """A page for everyone, compressed once (small: the time is spent at start)."""
    return zlib.compress(body, ONCE_LEVEL, wbits=GZIP)


def _length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", str(len(body)).encode())


def accepts_gzip(scope: Scope) -> bool:
    """Whether the request's ``Accept-Encoding`` names gzip (as Starlette reads it)."""
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


def packed(start: Message, message: Message, gzip: bool) -> tuple[Message, Message]:
    """A text response's head and its one body (see :func:`compressible`) as they go out:
    compressed when the client accepts gzip and the body has at least
    :data:`MINIMUM_SIZE` bytes.

    ``Vary: Accept-Encoding`` goes on every body it would compress, for either kind of
    client, so a shared cache never hands a compressed file to a client that did not
    ask for one. A streamed body (none of ours) passes through unchanged.
    """
    body = message.get("body", b"")
    if message.get("more_body", False) or len(body) < MINIMUM_SIZE:
        return start, message
    headers = [*start["headers"], VARY]
    if gzip:
        body = compress(body)
        headers = [(n, v) for n, v in headers if n != b"content-length"]
        headers += [(b"content-encoding", b"gzip"), _length(body)]
        message = {**message, "body": body}
    return {**start, "headers": headers}, message


def compressible(headers: list[tuple[bytes, bytes]]) -> bool:
    """A text body (HTML, CSS, script, a calendar file), not compressed yet: a response
    that already says ``Content-Encoding`` (a page compressed once and kept,
    :class:`SharedPage`) goes out as it is."""
    text = False
    for name, value in headers:
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            text = value.startswith(b"text/")
    return text


@dataclass(frozen=True)
class SharedPage:
    """A rendered page kept as it goes on the wire, plain and gzip-compressed.

    Only for pages that hold nothing of the person (the caller decides by what it
    renders, see :meth:`bot.web.pages.WebPages.start`): a copy serves everyone.
    """

    body: bytes
    compressed: bytes
    media_type: str
    status_code: int = 200

    @classmethod
    def of(cls, response: Response) -> SharedPage:
        body = bytes(response.body)
        media_type = response.headers.get("content-type", "text/html; charset=utf-8")
        return cls(body, compress_once(body), media_type, response.status_code)

    def response(self, scope: Scope) -> Response:
        """The page for this request: compressed if it accepts gzip.

        Made as :func:`packed` makes it: a compressed page says so and carries its
        ``Vary`` (it passes through as it is); a plain one gets its ``Vary`` there.
        """
        if accepts_gzip(scope) and len(self.body) >= MINIMUM_SIZE:
            headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
            return Response(self.compressed, self.status_code, headers, self.media_type)
        return Response(self.body, self.status_code, media_type=self.media_type)
