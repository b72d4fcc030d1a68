"""The heartbeat file and `hamroh health`: healthy only while the bot really runs."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.ops.heartbeat import Heartbeat, check_health, remove_heartbeat, write_heartbeat


def test_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    write_heartbeat(path, at=1000.0)
    assert check_health(path, max_age=120, now=1100.0).ok
    assert json.loads(path.read_text())["at"] == 1000.0


@pytest.mark.parametrize(
    ("content", "now", "reason"),
    [
        (None, 1000.0, "no heartbeat file"),
        ('{"at": 1000.0}', 1121.0, "121 s old"),
        ('{"at": 5000.0}', 1000.0, "in the future"),
        ("not json", 1000.0, "not a heartbeat file"),
        ('{"pid": 1}', 1000.0, "not a heartbeat file"),
    ],
)
def test_missing_stale_or_broken_heartbeat_is_unhealthy(
    tmp_path: Path, content: str | None, now: float, reason: str
) -> None:
    path = tmp_path / "heartbeat"
    if content is not None:
        path.write_text(content)
    verdict = check_health(path, max_age=120, now=now)
    assert not verdict.ok
    assert reason in verdict.reason


def test_hamroh_health_exit_codes(hamroh_env, tmp_path: Path, capsys) -> None:
    path = tmp_path / "hb"
    hamroh_env.setenv("HAMROH_HEARTBEAT_PATH", str(path))
    assert main(["health"]) == 1  # missing
    assert "no heartbeat file" in capsys.readouterr().err

    write_heartbeat(path, at=time.time() - 300)
    assert main(["health"]) == 1  # stale for the default 120 s
    assert main(["health", "--max-age", "600"]) == 0

    write_heartbeat(path)
    assert main(["health"]) == 0
    assert "healthy" in capsys.readouterr().out

    remove_heartbeat(path)
    assert main(["health"]) == 1


@pytest.mark.parametrize("max_age", ["0", "-5", "nan", "inf", "soon"])
def test_a_max_age_that_is_no_limit_is_refused(hamroh_env, tmp_path: Path, capsys, max_age):
    """``--max-age 0`` was read as the default: the check passed on a 100-second-old beat."""
    hamroh_env.setenv("HAMROH_HEARTBEAT_PATH", str(tmp_path / "hb"))
    write_heartbeat(tmp_path / "hb", at=time.time() - 100)
    with pytest.raises(SystemExit) as exited:
        main(["health", "--max-age", max_age])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --max-age: {max_age!r}" in err and "Traceback" not in err


def test_default_heartbeat_lives_next_to_the_database(hamroh_env, tmp_path: Path) -> None:
    from bot.settings import Settings

    assert Settings().heartbeat_file == tmp_path / "data" / "heartbeat"


async def test_heartbeat_writes_only_while_the_probe_says_alive(tmp_path: Path) -> None:
    path = tmp_path / "data" / "heartbeat"
    alive = True

    async def probe() -> bool:
        return alive

    heartbeat = Heartbeat(path, probe, interval=0.01, first_delay=0)
    assert await heartbeat.beat()
    assert check_health(path, max_age=5).ok

    path.unlink()
    alive = False
    assert not await heartbeat.beat()
    assert not path.exists()


async def test_a_hanging_probe_skips_the_beat(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"

    async def stuck() -> bool:
        await asyncio.sleep(10)
        return True

    heartbeat = Heartbeat(path, stuck, interval=1, probe_timeout=0.05)
    assert not await heartbeat.beat()
    assert not path.exists()


async def test_running_heartbeat_keeps_the_file_fresh_and_stop_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"

    async def probe() -> bool:
        return True

    heartbeat = Heartbeat(path, probe, interval=0.02, first_delay=0)
    heartbeat.start()
    for _ in range(500):
        if heartbeat.beats >= 3:
            break
        await asyncio.sleep(0.01)
    assert heartbeat.beats >= 3
    assert check_health(path, max_age=1).ok
    await heartbeat.stop()
    assert not path.exists()
    assert not check_health(path, max_age=1).ok
