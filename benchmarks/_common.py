"""Shared by the benchmark scripts: machine facts, load, memory, timing, output.

Why every script prints the machine and ``/proc/loadavg`` before and after: the
machine these figures come from has 2 cores and is shared, so a figure without the
load next to it cannot be compared with anything. Each script also measures its
baseline in the same process and run, so a ratio stays meaningful under load.

Importing this module puts the repository root on ``sys.path``, so the scripts run
as ``python benchmarks/<name>.py`` from anywhere.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def loadavg() -> str:
    """The 1/5/15-minute load averages."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def machine() -> str:
    """CPU model, cores, RAM, Python and PTB versions in one line."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    import telegram

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem} RAM, Python {platform.python_version()}, "
        f"PTB {telegram.__version__}, SQLite {__import__('sqlite3').sqlite_version}"
    )


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """``(VmRSS, VmHWM)`` in MiB from ``/proc/<pid>/status`` (current and peak)."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in values:
            values[key] = int(line.split()[1]) / 1024
    return values["VmRSS"], values["VmHWM"]


def header(title: str) -> None:
    print(f"== {title}")
    print(f"machine: {machine()}")
    print(f"code: {code()}")
    print(f"load before: {loadavg()}")
    sys.stdout.flush()


def code() -> str:
    """Where the measured ``bot`` package was imported from: this module puts its own
    repository first on ``sys.path``, ahead of ``PYTHONPATH``, so a script of one tree
    always measures that tree's code (run another tree's copy to measure that one)."""
    import bot

    return str(Path(bot.__file__).resolve().parent.parent)


def footer(started: float) -> None:
    print(f"load after: {loadavg()}")
    print(f"wall time: {time.perf_counter() - started:.1f} s")


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def verdict(ok: bool) -> str:
    return "MEETS TARGET" if ok else "MISSES TARGET"
