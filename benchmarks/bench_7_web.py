"""Benchmark 7: the web channel under 200 concurrent clients, against a bare hello page.

Two servers run as separate processes, each served by uvicorn in the same way
(``bot.web.server.uvicorn_config``: one process, no access log):

* ours: ``hamroh web --as-of 2026-06-15`` (the real app: body limit, headers, gzip,
  the form read back through the core, a use case, Jinja2);
* baseline: a Starlette app with one route returning a small fixed HTML page.

The client is raw asyncio sockets on loopback (HTTP/1.1 keep-alive, ``Accept-Encoding:
gzip`` like a browser): 200 connections, each sending one request after the other
for a fixed time after a warm-up, so the count is bounded by time. Time to first
byte is measured per request from the write to the first byte read.

Pages measured (each with the same 200 clients): the first question (GET /ru/), a
question mid-interview (POST: six answers, the seventh tapped), the result (POST: all
answers, the last one tapped: evaluation, the result card, every detail). Each is
measured right after the hello page, because the machine's load drifts during a run.
Target: ours ≥ 0.5 × hello pages per second, p99 TTFB < 100 ms.

Two loads: saturation (each client sends its next request as soon as the last one is
answered: pages per second, and TTFB is mostly queueing, 200 / rate) and people
(each client one page a second, like 200 people tapping at once: TTFB at that load).

``--workers N`` serves each with N processes on its one port, each worker on its own
socket (``hamroh web --workers``; the baseline the same way); the CPU per page then
counts all of them.

    python benchmarks/bench_7_web.py [--clients 200] [--seconds 5] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import _common

AS_OF = "2026-06-15"
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0

ANSWERS = [
    ("a.citizenship", "UZ"), ("a.in_russia", "yes"), ("a.in_registry", "no"),
    ("a.entry_date", "2026-01-10"), ("a.purpose", "work"), ("a.region", "moscow"),
    ("a.document", "patent"), ("a.patent_issue_date", "2026-01-31"),
    ("a.patent_paid_until", "2026-07-14"), ("a.contract_copy_filed", "yes"),
    ("a.registered", "yes"), ("a.biometrics_done", "yes"), ("a.medical_date", "2026-01-20"),
    ("a.amina", "yes"),
]  # fmt: skip


def _request(method: str, path: str, body: str = "") -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: gzip"]
    if method == "POST":
        head += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body.encode())}",
        ]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode()


PAGES: dict[str, bytes] = {
    "first question (GET)": _request("GET", "/ru/"),
    "a question (POST)": _request(
        "POST",
        "/ru/step",
        urlencode([*ANSWERS[:6], ("q", "document"), ("do", "answer:document:patent")]),
    ),
    "the result (POST)": _request(
        "POST", "/ru/step", urlencode([*ANSWERS, ("q", "children"), ("do", "answer:children:no")])
    ),
}
HELLO = _request("GET", "/")


# --------------------------------------------------------------------------- servers


def hello_app() -> Any:
    """The baseline: one Starlette route, a fixed page."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    page = "<!doctype html><html><head><title>hello</title></head><body><p>hello</p></body></html>"

    async def hello(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return Starlette(routes=[Route("/", hello)])


class HelloWorker:
    """The baseline in each of several workers (uvicorn spawns them and sends each a
    copy of this; the app is made in the worker, as ours is)."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            self.app = hello_app()
        await self.app(scope, receive, send)


def hello_server(port: int, workers: int) -> None:
    """The baseline served like ours: one process, or ``workers``, each on its own
    socket of the port (``bot.web.server.listening_sockets`` and ``Workers``)."""
    import uvicorn

    from bot.web.server import Workers, listening_sockets, uvicorn_config

    sockets = listening_sockets("127.0.0.1", port, workers)
    if workers == 1:
        uvicorn.Server(uvicorn_config(hello_app(), "127.0.0.1", port, "WARNING")).run(sockets)
        return
    config = uvicorn_config(HelloWorker(), "127.0.0.1", port, "WARNING", workers=workers)
    Workers(config, sockets).run()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HAMROH_LOG_LEVEL": "WARNING",
        "HAMROH_RULES_DIR": str(_common.ROOT / "rules"),
    }
    process = subprocess.Popen(command, cwd=_common.ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}: {command}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start: {command}")


# --------------------------------------------------------------------------- client


@dataclass
class Run:
    pages: int
    seconds: float
    ttfb: list[float]
    wire_bytes: int

    @property
    def rate(self) -> float:
        return self.pages / self.seconds

    def p(self, q: float) -> float:
        ordered = sorted(self.ttfb)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _fetch(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[float, int]:
    """Send one request, read the whole response; (time to first byte, body bytes)."""
    sent = time.perf_counter()
    writer.write(request)
    buffer = await reader.read(65536)
    first = time.perf_counter() - sent
    while b"\r\n\r\n" not in buffer:
        buffer += await reader.read(65536)
    head, _, body = buffer.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None or not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"unexpected response: {head[:200]!r}")
    while len(body) < length:
        body += await reader.read(65536)
    return first, length


async def _one_client(
    port: int, request: bytes, start: float, stop: float, run: Run, every: float | None
) -> None:
    """One connection: requests back to back, or one every ``every`` seconds (a person)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if every:  # people do not tap in step: spread the first taps over one interval
            await asyncio.sleep(random.random() * every)
        while (began := time.perf_counter()) < stop:
            ttfb, length = await _fetch(reader, writer, request)
            if began >= start:  # after the warm-up
                run.pages += 1
                run.ttfb.append(ttfb)
                run.wire_bytes = length
            if every:
                await asyncio.sleep(max(0.0, every - (time.perf_counter() - began)))
    finally:
        writer.close()


async def _measure(
    port: int, request: bytes, clients: int, seconds: float, warmup: float,
    every: float | None = None,
) -> Run:  # fmt: skip
    run = Run(0, seconds, [], 0)
    start = time.perf_counter() + warmup
    stop = start + seconds
    await asyncio.gather(
        *(_one_client(port, request, start, stop, run, every) for _ in range(clients))
    )
    return run


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and the processes it started (the
    workers of ``--workers``), from ``/proc``."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as children:
            total += sum(cpu_seconds(int(child)) for child in children.read().split())
    return total


def _line(name: str, run: Run, cpu: float | None = None) -> str:
    per_page = f"   server CPU {cpu / max(1, run.pages) * 1000:5.2f} ms/page" if cpu else ""
    return (
        f"{name:22} {run.rate:7.0f} pages/s   TTFB p50 {run.p(0.5):7.1f} ms  "
        f"p99 {run.p(0.99):7.1f} ms   {run.wire_bytes:6d} B{per_page}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--workers", type=int, default=1, help="processes for each server (hamroh web --workers)"
    )
    parser.add_argument("--hello-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hello_server:
        hello_server(args.hello_server, args.workers)
        return

    started = time.perf_counter()
    _common.header(
        f"7. web pages, {args.clients} concurrent clients, {args.seconds:.0f} s each, "
        f"{args.workers} server process(es) each"
    )
    ours_port, hello_port = _free_port(), _free_port()
    workers = ["--workers", str(args.workers)]
    ours = _start(
        [sys.executable, "-m", "bot.cli", "web", "--port", str(ours_port), "--as-of", AS_OF,
         *workers],
        ours_port,
    )  # fmt: skip
    hello = _start(
        [sys.executable, __file__, "--hello-server", str(hello_port), *workers], hello_port
    )

    pids = {ours_port: ours.pid, hello_port: hello.pid}
    cpu: dict[int, float] = {}

    def measure(port: int, request: bytes, every: float | None = None) -> Run:
        """One run; ``cpu[port]``: the server's CPU time in the measured part of it."""
        before = cpu_seconds(pids[port])
        run = asyncio.run(_measure(port, request, args.clients, args.seconds, args.warmup, every))
        spent = cpu_seconds(pids[port]) - before
        cpu[port] = spent * args.seconds / (args.seconds + args.warmup)
        return run

    try:
        print(f"-- saturation: {args.clients} clients, each sends its next request at once")
        met = 0
        for name, request in PAGES.items():
            base = measure(hello_port, HELLO)  # measured right before: the load drifts
            run = measure(ours_port, request)
            ratio = run.rate / base.rate
            ok = ratio >= TARGET_RATIO and run.p(0.99) < TARGET_P99_MS
            met += ok
            base_cpu, run_cpu = cpu[hello_port], cpu[ours_port]
            print(_line("  hello (baseline)", base, base_cpu))
            print(
                _line(f"  {name}", run, run_cpu)
                + f"   ratio {ratio:.2f}  {'met' if ok else 'NOT met'}"
            )
        print(
            f"target (ratio >= {TARGET_RATIO}, p99 < {TARGET_P99_MS:.0f} ms): {met}/{len(PAGES)} pages"
        )
        print(
            f"-- people: {args.clients} clients, each one page a second (~{args.clients} pages/s offered)"
        )
        run = measure(hello_port, HELLO, every=1.0)
        print(_line("  hello (baseline)", run, cpu[hello_port]))
        for name, request in PAGES.items():
            run = measure(ours_port, request, every=1.0)
            print(_line(f"  {name}", run, cpu[ours_port]))
    finally:
        for process in (ours, hello):
            process.terminate()
            process.wait(timeout=15)
    _common.footer(started)


if __name__ == "__main__":
    main()
