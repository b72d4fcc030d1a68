"""The heartbeat file the bot rewrites while it works, and the check that reads it.

Why a file and not an HTTP endpoint: in long-polling mode the bot opens no port,
and Docker's ``HEALTHCHECK`` runs a command in the container. ``hamroh health``
(a separate process) only has to read one small file, so the check is cheap and
needs neither the token nor the database.

What a fresh heartbeat proves: the event loop is not stuck, the application is
running (updates are being fetched or the webhook server is up), and the database
answered a trivial read within a few seconds. If any of these fails the beat is
skipped, the file goes stale and the container turns unhealthy. On a clean stop
the file is removed, so a stopped bot is never reported healthy.

The file holds wall-clock seconds (not monotonic: the checker is another process)
and the pid, as JSON, written to a temporary file and renamed into place so the
checker never reads half a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.ops.periodic import Periodic

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 30.0
DEFAULT_MAX_AGE = 120.0
PROBE_TIMEOUT = 10.0
"""Seconds the liveness probe may take (a backup holds the database lock for a while)."""

Probe = Callable[[], Awaitable[bool]]


def write_heartbeat(path: Path, at: float | None = None) -> None:
    """Atomically replace ``path`` with ``{"at": <unix seconds>, "pid": <pid>}``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"at": time.time() if at is None else at, "pid": os.getpid()})
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def remove_heartbeat(path: Path) -> None:
    """Delete the file (clean shutdown): a stopped bot must not look healthy.

    One that cannot be removed is said in the log and left: the stop goes on (the send
    queue and the database still have to be closed), and the file goes stale by itself.
    """
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.warning("heartbeat: cannot remove %s: %s", path, _reason(path, error))


def _reason(path: Path, error: OSError) -> str:
    """Why the heartbeat file cannot be written or removed, for the operator."""
    if path.is_dir():
        return "it is a folder; HAMROH_HEARTBEAT_PATH must name a file"
    return error.strerror or type(error).__name__


@dataclass(frozen=True)
class Health:
    """The verdict of :func:`check_health`: ``ok`` and a one-line reason for operators."""

    ok: bool
    reason: str


def check_health(path: Path, max_age: float, now: float | None = None) -> Health:
    """Healthy only if ``path`` holds a heartbeat at most ``max_age`` seconds old.

    A timestamp more than ``max_age`` in the future also fails: a clock jump must
    not make a dead bot look healthy until the clock catches up.
    """
    now = time.time() if now is None else now
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Health(False, f"no heartbeat file at {path} (bot not running or not started yet)")
    except OSError as error:
        return Health(False, f"cannot read {path}: {error.strerror}")
    try:
        at = float(json.loads(raw)["at"])
    except (ValueError, KeyError, TypeError):
        return Health(False, f"{path} is not a heartbeat file")
    age = now - at
    if age > max_age:
        return Health(False, f"heartbeat is {age:.0f} s old (limit {max_age:.0f} s)")
    if age < -max_age:
        return Health(False, f"heartbeat is {-age:.0f} s in the future; check the clock")
    return Health(True, f"heartbeat {max(age, 0.0):.0f} s old")


class Heartbeat:
    """Every ``interval`` seconds: run ``probe``; if it says yes in time, rewrite the file."""

    def __init__(
        self,
        path: Path,
        probe: Probe,
        *,
        interval: float = DEFAULT_INTERVAL,
        probe_timeout: float = PROBE_TIMEOUT,
        first_delay: float = 1.0,
    ) -> None:
        self.path = path
        self._probe = probe
        self._probe_timeout = probe_timeout
        self._job = Periodic("heartbeat", self.beat, interval, first_delay=first_delay)
        self.beats = 0

    async def beat(self) -> bool:
        """One heartbeat; returns whether the file was written."""
        try:
            alive = await asyncio.wait_for(self._probe(), self._probe_timeout)
        except TimeoutError:
            logger.warning(
                "heartbeat skipped: the liveness probe took over %.0f s", self._probe_timeout
            )
            return False
        if not alive:
            logger.info(
                "heartbeat skipped: the application or its updater is not running, "
                "or its database is not usable"
            )
            return False
        try:
            await asyncio.to_thread(write_heartbeat, self.path)
        except OSError as error:  # a read-only volume, a folder where the file should be
            logger.warning("heartbeat: cannot write %s: %s", self.path, _reason(self.path, error))
            return False
        self.beats += 1
        return True

    def start(self) -> None:
        self._job.start()

    async def stop(self) -> None:
        """Stop beating and remove the file."""
        await self._job.stop()
        remove_heartbeat(self.path)
