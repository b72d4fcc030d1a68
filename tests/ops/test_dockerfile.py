"""The Dockerfile, checked by reading it (no Docker engine here) and by running its steps.

What can go wrong without anyone noticing until a deploy: the catalog compile
command, an ENV value the settings reject, a health check or CMD naming a
subcommand that does not exist, a root user, a COPY of a path ``.dockerignore``
excludes. Each is checked against the file itself, so editing the Dockerfile
re-runs the check.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from bot.cli import build_parser
from bot.i18n import LOCALES, Catalogs

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with continuation lines joined and comments dropped."""
    lines: list[str] = []
    current = ""
    for raw in DOCKERFILE.splitlines():
        stripped = raw.strip()
        if not stripped or (stripped.startswith("#") and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    result = []
    for line in lines:
        word, _, rest = line.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def _env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in stage:
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def test_the_catalog_compile_step_produces_catalogs_the_bot_loads(tmp_path: Path):
    (run,) = [rest for word, rest in _instructions() if word == "RUN" and "compile" in rest]
    argv = shlex.split(run)
    while "=" in argv[0]:  # leading VAR=value assignments
        argv.pop(0)
    assert argv[0] == "python"
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    for stale in (tmp_path / "locales").rglob("*.mo"):
        stale.unlink()
    subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, check=True, capture_output=True)
    for locale in LOCALES:
        folder = tmp_path / "locales" / locale / "LC_MESSAGES"
        assert (folder / "hamroh.mo").is_file(), locale
        (folder / "hamroh.po").unlink()  # prove the .mo alone is complete
    catalogs = Catalogs(tmp_path / "locales")
    source = Catalogs(ROOT / "locales")
    for locale in LOCALES:
        assert catalogs.gettext(locale)("Back") == source.gettext(locale)("Back")
        assert catalogs.gettext(locale)("What I keep about you") != "What I keep about you"


def test_the_image_environment_is_valid_and_keeps_state_on_the_volume(monkeypatch):
    from bot.settings import Settings

    stage = _final_stage()
    env = _env(stage)
    for name in [n for n in os.environ if n.startswith("HAMROH_")]:
        monkeypatch.delenv(name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    volumes = [json.loads(rest) for word, rest in stage if word == "VOLUME"]
    assert volumes == [["/data"]]
    assert settings.db_path.parent == Path("/data")
    assert settings.heartbeat_file.parent == Path("/data")
    workdir = [rest for word, rest in stage if word == "WORKDIR"][-1]
    copied = {rest.split()[-1].rstrip("/") for word, rest in stage if word == "COPY"}
    assert str(settings.rules_dir) in {f"{workdir}/{c.removeprefix('./')}" for c in copied}
    assert str(settings.locales_dir) in {f"{workdir}/{c.removeprefix('./')}" for c in copied}


def test_health_check_and_command_are_real_subcommands():
    stage = _final_stage()
    (health,) = [rest for word, rest in stage if word == "HEALTHCHECK"]
    health_cmd = json.loads(health.split("CMD", 1)[1])
    (cmd,) = [json.loads(rest) for word, rest in stage if word == "CMD"]
    assert health_cmd == ["hamroh", "health"] and cmd == ["hamroh", "run"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["hamroh"] == "bot.cli:main"
    assert build_parser().parse_args(health_cmd[1:]).command == "health"
    assert build_parser().parse_args(cmd[1:]).command == "run"


def test_runs_as_a_numeric_non_root_user():
    (user,) = [rest for word, rest in _final_stage() if word == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_everything_copied_from_the_context_exists_and_is_not_ignored():
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for instruction, rest in _instructions():
        if instruction != "COPY" or rest.startswith("--from"):
            continue
        for source in rest.split()[:-1]:
            assert (ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    assert re.search(r"^\*\.sqlite3\*$", "\n".join(ignored), re.M)  # no database in an image
