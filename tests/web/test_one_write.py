"""A response leaves in one write, on a connection with Nagle's algorithm off: uvicorn writes a response's head and body apart,
which on a keep-alive connection is two system calls and two packets per page; the
server's transport (``bot.web.server.OneWriteHttp``) sends them as one, the same bytes
in the same order, and nothing is lost when the connection closes after a response.

Driven through uvicorn's own protocol object with the real app, on a transport that
records what is written (as ``benchmarks/bench_7_web_in_process.py`` does)."""

from __future__ import annotations

import asyncio
import socket
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from uvicorn.server import ServerState

from bot.core.rules import load_ruleset
from bot.i18n import load_catalogs
from bot.web.server import create_app, listening_sockets, uvicorn_config

from .conftest import AS_OF, ROOT
from .test_workers import RESULT_FORM


class Recorder(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, bytes]] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.events.append(("write", bytes(data)))

    def close(self) -> None:
        self.events.append(("close", b""))

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    @property
    def writes(self) -> list[bytes]:
        return [data for kind, data in self.events if kind == "write"]


@pytest.fixture(scope="module")
def loaded() -> Any:
    as_of = date.fromisoformat(AS_OF)
    app = create_app(load_ruleset(ROOT / "rules"), load_catalogs(ROOT / "locales"), lambda: as_of)
    config = uvicorn_config(app, "127.0.0.1", 8080, "WARNING")
    config.load()
    return config


async def _serve(config: Any, data: bytes, responses: int) -> Recorder:
    """Hand ``data`` to a new connection and run the loop until ``responses`` complete
    responses are written (or the loop has nothing left to do for this connection)."""
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = Recorder()
    protocol.connection_made(transport)
    protocol.data_received(data)
    for _ in range(1000):  # steps of the loop, not time
        if b"".join(transport.writes).count(b"HTTP/1.1 ") >= responses:
            break
        await asyncio.sleep(0)
    for _ in range(20):  # anything written late would show here
        await asyncio.sleep(0)
    return transport


def _request(method: str, path: str, body: str = "", *extra: str) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: gzip", *extra]
    if body:
        head += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode()


def _whole(response: bytes) -> tuple[bytes, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    assert len(body) == length
    return head, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        _request("POST", "/ru/step", RESULT_FORM),
        _request("POST", "/ru/step", urlencode([("q", "citizenship"), ("do", "x")])),
        _request("GET", "/ru/"),
        _request("GET", "/nowhere"),
        _request("GET", "/health"),
    ],
    ids=["result", "stale form", "first page", "not found", "health"],
)
async def test_a_response_is_one_write_of_its_head_and_whole_body(
    loaded: Any, request_bytes: bytes
) -> None:
    transport = await _serve(loaded, request_bytes, 1)
    assert len(transport.writes) == 1
    head, body = _whole(transport.writes[0])
    assert head.startswith(b"HTTP/1.1 ") and body


async def test_keep_alive_responses_are_written_in_order_one_write_each(loaded: Any) -> None:
    pages = [_request("GET", "/ru/"), _request("POST", "/ru/step", RESULT_FORM)]
    transport = await _serve(loaded, b"".join(pages), 2)
    assert len(transport.writes) == 2
    first, second = (_whole(write)[1] for write in transport.writes)
    assert b'id="deadlines"' not in first  # GET /ru/ is the first question: answered first
    assert len(second) > len(first)


async def test_a_response_before_the_connection_closes_is_written_whole_first(
    loaded: Any,
) -> None:
    transport = await _serve(loaded, _request("GET", "/ru/", "", "Connection: close"), 1)
    kinds = [kind for kind, _ in transport.events]
    assert kinds == ["write", "close"]
    _whole(transport.writes[0])


async def test_a_head_request_is_one_write_of_the_head(loaded: Any) -> None:
    transport = await _serve(loaded, _request("HEAD", "/ru/"), 1)
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200")
    assert transport.writes[0].endswith(b"\r\n\r\n")


async def test_the_bytes_are_the_ones_uvicorn_writes_apart(loaded: Any) -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    data = _request("POST", "/ru/step", RESULT_FORM) + _request("GET", "/ru/")
    joined = await _serve(loaded, data, 2)
    plain = uvicorn_config(loaded.app, "127.0.0.1", 8080, "WARNING")
    plain.http = HttpToolsProtocol
    plain.load()
    apart = await _serve(plain, data, 2)
    assert len(apart.writes) == 4  # uvicorn alone: head, body, head, body
    assert b"".join(joined.writes) == b"".join(apart.writes)


@pytest.mark.parametrize("workers", [1, 2])
async def test_connections_are_served_with_nagle_off(workers: int) -> None:
    """asyncio sets TCP_NODELAY only on connections of a socket made as TCP; without it
    a body written after its head waits for the client's delayed ACK (up to 40 ms)."""
    sockets = listening_sockets("127.0.0.1", 0, workers)
    seen: list[int] = []

    def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    servers = [await asyncio.start_server(connected, sock=sock) for sock in sockets]
    try:
        port = sockets[0].getsockname()[1]
        for _ in range(8):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
        for _ in range(1000):  # steps of the loop until the server has seen all eight
            if len(seen) == 8:
                break
            await asyncio.sleep(0.01)
    finally:
        for server in servers:
            server.close()
    assert len(seen) == 8 and all(seen)
