"""``hamroh web --workers N`` as an operator runs it: N processes on one port serve the
same pages as one, each worker accepting on its own socket so that the connections are
spread over them, a worker that dies is started again on its socket, SIGTERM stops them
all, and a port that is taken — by anyone, with SO_REUSEPORT or without, another
``hamroh web`` too — is one line whatever the number of workers."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from bot.cli import main
from bot.web import server
from bot.web.server import Serving, WorkerApp

from .conftest import ROOT, WebServer, start_web, stop_web
from .personas import WORKER_IN_MOSCOW

ANSWERS = [
    ("a." + question, WORKER_IN_MOSCOW.stored.get(question, value))
    for question, value in WORKER_IN_MOSCOW.answers.items()
]
"""The worker in Moscow one tap from the result, in the form's hidden fields (as the
server writes them: dates in ISO); the last question's button is in ``RESULT_FORM``."""
RESULT_FORM = urlencode([*ANSWERS, ("q", "children"), ("do", "answer:children:no")])
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _workers(parent: int) -> set[int]:
    """The worker processes of a ``hamroh web`` (uvicorn spawns them; multiprocessing's
    resource tracker, also a child, is not one)."""
    found = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                found.add(int(child))
    return found


def _port(server: WebServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _listening(port: int) -> set[int]:
    """The inodes of the sockets listening on 127.0.0.1:``port`` (``/proc/net/tcp``)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":
            found.add(int(fields[9]))
    return found


def _connections_from(ports: set[int]) -> set[int]:
    """The inodes of the accepted connections (``/proc/net/tcp``) whose client is on one
    of ``ports`` of 127.0.0.1: the test's own, not a probe's or a pipe's."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_host, _, remote_port = fields[2].partition(":")
        if remote_host == "0100007F" and int(remote_port, 16) in ports:
            found.add(int(fields[9]))
    return found


def _sockets_of(pid: int) -> set[int]:
    """The inodes of the sockets a process holds."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _wait_for(check: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _result_page(server: WebServer) -> bytes:
    response = httpx.post(server.url + "/ru/step", content=RESULT_FORM, headers=FORM, timeout=30)
    assert response.status_code == 200
    return response.content


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[WebServer]:
    server = start_web(tmp_path, "--workers", "2")
    _wait_for(lambda: len(_workers(server.process.pid)) == 2)
    yield server
    if server.process.poll() is None:
        stop_web(server)


def test_two_workers_serve_the_pages_one_process_serves(
    two_workers: WebServer, web_server: WebServer
) -> None:
    one = _result_page(web_server)
    assert b'id="deadlines"' in one  # the result, not a page asking again
    with httpx.Client(base_url=two_workers.url, timeout=30) as client:
        for _ in range(20):  # connections are handed to either worker
            page = client.post("/ru/step", content=RESULT_FORM, headers=FORM)
            assert page.status_code == 200 and page.content == one
            client.cookies.clear()
            assert "set-cookie" not in page.headers
    start = httpx.get(two_workers.url + "/ru/", timeout=30)
    assert start.content == httpx.get(web_server.url + "/ru/", timeout=30).content


def _listener_of(pid: int, port: int) -> set[int]:
    return _sockets_of(pid) & _listening(port)


def test_each_worker_accepts_on_its_own_socket_of_the_port(two_workers: WebServer) -> None:
    """One socket shared by every worker wakes them all for each connection, and the
    first to run takes most of a burst (156 of 200 once); with a socket each, the
    kernel spreads them."""
    port = _port(two_workers)
    listening = _listening(port)
    assert len(listening) == 2
    mine = [_listener_of(pid, port) for pid in _workers(two_workers.process.pid)]
    assert sorted(len(held) for held in mine) == [1, 1]
    assert mine[0] | mine[1] == listening  # each its own: not both the same one
    assert _sockets_of(two_workers.process.pid) >= listening  # kept open by the parent


def test_a_burst_of_connections_is_spread_over_the_workers(two_workers: WebServer) -> None:
    """100 keep-alive connections opened at once, as the benchmark's clients do: each
    worker gets some 50 of them (a hash of the client's port; fewer than 25 happens
    about once in 10^7 bursts)."""
    port = _port(two_workers)
    workers = {pid: _sockets_of(pid) for pid in _workers(two_workers.process.pid)}
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
    try:
        for client in clients:
            client.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for client in clients:
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
        ours = _connections_from({client.getsockname()[1] for client in clients})
        served = {pid: len((_sockets_of(pid) - before) & ours) for pid, before in workers.items()}
    finally:
        for client in clients:
            client.close()
    assert sum(served.values()) == 100
    assert min(served.values()) >= 25, served


def test_a_worker_that_dies_is_started_again(two_workers: WebServer) -> None:
    port = _port(two_workers)
    before = _workers(two_workers.process.pid)
    victim = min(before)
    its_socket = _listener_of(victim, port)
    os.kill(victim, signal.SIGKILL)
    _wait_for(lambda: victim not in (now := _workers(two_workers.process.pid)) and len(now) == 2)
    (new,) = _workers(two_workers.process.pid) - before
    assert _listener_of(new, port) == its_socket  # the dead one's socket, not a new one
    assert len(_listening(port)) == 2
    for _ in range(10):
        assert httpx.get(two_workers.url + "/health", timeout=30).text == "ok"
    assert _result_page(two_workers)


def test_sigterm_stops_every_worker_and_the_log_holds_no_answers(
    two_workers: WebServer,
) -> None:
    for _ in range(20):
        _result_page(two_workers)
    workers = _workers(two_workers.process.pid)
    assert stop_web(two_workers) == 0
    for pid in workers:
        assert (
            not Path(f"/proc/{pid}").exists()
            or b"spawn_main" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
    log = two_workers.log_text()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert sum(line.get("event") == "web_request" for line in lines) >= 20  # the workers' too
    assert sum(line["msg"] == "Application startup complete." for line in lines) == 2
    for value in ("2026-01-10", "2026-07-14", "moscow", "patent", "children"):
        assert value not in log
    assert "Traceback" not in log and "\x1b[" not in log


def _web_on(port: int, workers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "web", "--port", str(port), "--workers", workers],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")},
             "HAMROH_LOG_FORMAT": "json"},
    )  # fmt: skip


def _taken(port: int, done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1
    assert done.stderr == f"hamroh web: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert done.stdout == ""


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "SO_REUSEPORT"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_taken_port_is_one_line_and_exit_1(workers: str, reuse_port: bool) -> None:
    """Also when the program holding it allowed SO_REUSEPORT, which the workers' own
    sockets use: the first is bound without it, so nobody's port is shared."""
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, int(reuse_port))
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _taken(port, _web_on(port, workers))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_second_hamroh_web_on_the_port_is_refused(two_workers: WebServer, workers: str) -> None:
    port = _port(two_workers)
    _taken(port, _web_on(port, workers))
    assert len(_listening(port)) == 2  # the first one serves on
    assert _result_page(two_workers)


def test_a_program_that_joins_the_port_later_is_never_handed_a_connection(
    two_workers: WebServer,
) -> None:
    """Linux lets a program of the same user bind a port whose sockets all allow
    SO_REUSEPORT; the workers' group hands new connections only to its own sockets."""
    port = _port(two_workers)
    with socket.socket() as late:
        late.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        late.bind(("127.0.0.1", port))
        late.listen()
        late.setblocking(False)
        for _ in range(60):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
                client.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert client.recv(4096).startswith(b"HTTP/1.1 200")
        with pytest.raises(BlockingIOError):
            late.accept()


@pytest.mark.parametrize("workers", ["0", "65", "-1"])
def test_a_number_of_workers_out_of_range_is_refused(
    workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["web", "--workers", workers]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--workers {workers} is not a number of processes" in err


async def test_a_worker_whose_ruleset_broke_since_the_check_fails_its_start(
    tmp_path: Path,
) -> None:
    """The parent checked the ruleset; a worker that finds it broken later (an admin
    saving a file with a typo while a worker is restarted) fails the ASGI startup with
    one line, which makes uvicorn's supervisor stop instead of retrying for ever."""
    (tmp_path / "ruleset.yaml").write_text("ruleset: hamroh\nversion: [\n", encoding="utf-8")
    app = WorkerApp(Serving(rules_dir=tmp_path, locales_dir=ROOT / "locales"))
    sent: list[dict[str, object]] = []
    events = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, object]:
        return next(events)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["lifespan.startup.failed", "lifespan.shutdown.complete"]
    message = str(sent[0]["message"])
    assert message.startswith("the ruleset: ") and "\n" not in message
    assert app.app is None


def test_a_worker_that_cannot_start_again_stops_the_service_with_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    server = start_web(tmp_path, "--workers", "2", rules=rules)
    _wait_for(lambda: len(_workers(server.process.pid)) == 2)
    (rules / "ruleset.yaml").write_text("ruleset: hamroh\nversion: [\n", encoding="utf-8")
    os.kill(min(_workers(server.process.pid)), signal.SIGKILL)
    assert server.process.wait(timeout=60) == 2
    log = server.log_text()
    assert log.rstrip().endswith(
        "hamroh web: a worker could not start (the log above says why), so all stopped"
    )
    failed = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(line["msg"].startswith("the ruleset: ") for line in failed)
    assert "Traceback" not in log


def test_a_system_that_refuses_the_steering_program_gets_one_shared_socket(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Some sandboxes refuse SO_REUSEPORT's classic BPF program: the workers then share
    one socket, as uvicorn's own supervisor has them, and the log says so once; a port
    that is taken is still an error to explain, not worked around."""

    def refused(sock: socket.socket, count: int) -> None:
        raise OSError(errno.ENOPROTOOPT, "Protocol not available")

    monkeypatch.setattr(server, "_attach_steering", refused)
    sockets = server.listening_sockets("127.0.0.1", 0, 2)
    try:
        assert len(sockets) == 1
        (only,) = sockets
        assert not only.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
        port = only.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it listens
        with pytest.raises(OSError) as taken:
            server.listening_sockets("127.0.0.1", port, 2)
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        for sock in sockets:
            sock.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.web.server"]
    assert warnings == [
        "the workers share one socket: this system refuses SO_REUSEPORT or its "
        "steering program (Protocol not available)"
    ]
