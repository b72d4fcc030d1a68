"""``hamroh web`` as an operator meets it: no token needed, one line when it cannot
start, and ``--check`` for a container's health check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

from .conftest import ROOT, WebServer


def _hamroh(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")}, **(env or {})},
    )  # fmt: skip


def test_check_says_whether_a_web_server_answers(
    web_server: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    port = web_server.url.rsplit(":", 1)[1]
    assert main(["web", "--check", "--port", port]) == 0
    assert main(["web", "--check", "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no answer" in err


def test_a_broken_ruleset_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "ruleset.yaml").write_text("ruleset: hamroh\nversion: [\n", encoding="utf-8")
    done = _hamroh("web", "--port", "8099", env={"HAMROH_RULES_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.startswith("hamroh web: the ruleset in ")
    assert "Traceback" not in done.stderr


def test_a_port_that_is_not_a_port_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--port", "70000"]) == 2
    assert "is not a port" in capsys.readouterr().err


def test_catalogs_that_are_missing_are_one_line_and_exit_2(tmp_path: Path) -> None:
    """Without a language's catalog its people would read every button in English."""
    for locale in ("ru", "ky", "tg", "uz"):  # uz_Cyrl is missing
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "locales" / locale / "LC_MESSAGES" / "hamroh.po", folder)
    env = {"HAMROH_RULES_DIR": str(ROOT / "rules"), "HAMROH_LOCALES_DIR": str(tmp_path)}
    for workers in ("1", "2"):
        done = _hamroh("web", "--port", "8099", "--workers", workers, env=env)
        assert done.returncode == 2
        assert done.stderr == (
            f"hamroh web: no interface catalog for uz_Cyrl in {tmp_path} "
            "(expected <locale>/LC_MESSAGES/hamroh.po); set HAMROH_LOCALES_DIR\n"
        )
