"""The real web server (``hamroh web`` in a subprocess on a free loopback port) and a
real browser (Debian's chromium driven by Playwright's sync API, in plain ``def``
tests: the suite's ``asyncio_mode=auto`` runs ``async def`` tests inside a loop, where
the sync API refuses to start). The browser lives for one test module: while the sync
API runs, its event loop counts as running in this thread, and an ``async def`` test
elsewhere in the suite could not start its own.

Without /usr/bin/chromium the browser tests are skipped locally and fail in CI
(``CI`` set): a CI run must never pass by skipping the browser.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AS_OF = "2026-06-15"
"""The day the server judges on (``--as-of``), so results can be compared with the CLI."""


@dataclass
class WebServer:
    """A running ``hamroh web``: its base URL and the file its log goes to."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")}
    env.update(
        HAMROH_RULES_DIR=str(ROOT / "rules"),
        HAMROH_LOG_FORMAT="json",
        HAMROH_DB_PATH=str(tmp / "unused.sqlite3"),  # the web never opens it
    )
    return env


def start_web(tmp: Path, *args: str, rules: Path = ROOT / "rules") -> WebServer:
    """``hamroh web --as-of AS_OF --access-log`` plus ``args`` on a free port, answering
    ``/health``; its output (stdout and stderr) goes to a file in ``tmp``."""
    port = _free_port()
    log = tmp / f"web-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "web", "--port", str(port), "--as-of", AS_OF,
             "--access-log", *args],
            cwd=tmp,
            env={**_clean_env(tmp), "HAMROH_RULES_DIR": str(rules)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = WebServer(f"http://127.0.0.1:{port}", log, process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"hamroh web exited with {process.returncode}:\n{server.log_text()}")
        try:
            if httpx.get(server.url + "/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"hamroh web did not start:\n{server.log_text()}")
        time.sleep(0.2)


def stop_web(server: WebServer) -> int:
    """SIGTERM, as a service manager stops it; its exit code."""
    server.process.terminate()
    try:
        return server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """``hamroh web --as-of AS_OF --access-log`` with no bot token, until the session ends."""
    server = start_web(tmp_path_factory.mktemp("web"))
    yield server
    stop_web(server)


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium; CI fails here)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One chromium per test module (Debian's, never a downloaded one)."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
