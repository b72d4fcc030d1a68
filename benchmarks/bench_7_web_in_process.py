"""Benchmark 7 without sockets: the server CPU of each page, steadier than the wire.

The same pages as ``bench_7_web.py``, the same two apps (ours and the one-route
Starlette hello page) and uvicorn's own HTTP/1.1 protocol object with the same
``uvicorn_config``, but in this one process: the request bytes are handed to the
protocol as if they had arrived on a connection, and the response is collected
from a stand-in transport. No client competes for the CPU and nothing waits on a
socket, so what is left is the work a server does per page (HTTP parsing, the
ASGI app, writing the response). Rounds alternate between hello and ours and the
best of each is kept (``time.process_time``), because the shared machine's load
moves the figures between rounds; the ratio is the one benchmark 7 aims at.

    python benchmarks/bench_7_web_in_process.py [--rounds 7] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from datetime import date
from typing import Any

import _common
from bench_7_web import AS_OF, HELLO, PAGES


class Transport(asyncio.Transport):
    """What uvicorn's protocol writes to; a future tells when a response has started."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.started: asyncio.Future[None] | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))
        if self.started is not None and not self.started.done():
            self.started.set_result(None)

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        pass


def config(app: Any) -> Any:
    from bot.web.server import uvicorn_config

    loaded = uvicorn_config(app, "127.0.0.1", 8080, "WARNING")
    loaded.load()
    return loaded


async def serve(loaded: Any, request: bytes, count: int) -> bytes:
    """``count`` requests on one keep-alive connection; the last response."""
    from uvicorn.server import ServerState

    protocol = loaded.http_protocol_class(config=loaded, server_state=ServerState(), app_state={})
    transport = Transport()
    protocol.connection_made(transport)
    loop = asyncio.get_running_loop()
    for _ in range(count):
        transport.written.clear()
        transport.started = loop.create_future()
        protocol.data_received(request)
        await transport.started
        for _ in range(5):  # the body follows the head in a later step of the loop
            await asyncio.sleep(0)
    return b"".join(transport.written)


def cpu_ms(loaded: Any, request: bytes, count: int) -> float:
    started = time.process_time()
    asyncio.run(serve(loaded, request, count))
    return (time.process_time() - started) / count * 1000


def apps() -> tuple[Any, Any]:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from bot.core.rules import load_ruleset
    from bot.i18n import load_catalogs
    from bot.web.server import create_app

    page = "<!doctype html><html><head><title>hello</title></head><body><p>hello</p></body></html>"

    async def hello(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    as_of = date.fromisoformat(AS_OF)
    ours = create_app(  # what is the same for everyone made at start, as `hamroh web` does
        load_ruleset(_common.ROOT / "rules"),
        load_catalogs(_common.ROOT / "locales"),
        lambda: as_of,
        prewarm=True,
    )
    return config(Starlette(routes=[Route("/", hello)])), config(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    started = time.perf_counter()
    _common.header("7. web pages in one process (uvicorn's protocol, no sockets)")
    hello, ours = apps()
    gc.collect()
    gc.freeze()  # as `hamroh web` does before serving
    for loaded, request in [(hello, HELLO), *((ours, each) for each in PAGES.values())]:
        if not asyncio.run(serve(loaded, request, 30)).startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"not a 200: {request[:40]!r}")
    for name, request in PAGES.items():
        count = max(30, args.requests // (5 if "result" in name else 1))
        base, page = [], []
        for _ in range(args.rounds):
            base.append(cpu_ms(hello, HELLO, args.requests))
            page.append(cpu_ms(ours, request, count))
        best_base, best_page = min(base), min(page)
        print(
            f"  {name:22} hello {best_base:.3f} ms   ours {best_page:.3f} ms   "
            f"ratio {best_base / best_page:.2f}"
        )
    _common.footer(started)


if __name__ == "__main__":
    main()
