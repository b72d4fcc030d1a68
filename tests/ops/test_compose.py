"""compose.yaml, checked by reading it (no Docker engine here): PostgreSQL, two bot
instances on it in webhook mode, the web channel, settings the bot accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.cli import build_parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data = YAML(typ="safe").load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _resolved(value: str) -> str:
    """``${NAME:?…}`` / ``${NAME:-default}`` with made-up values, as compose fills them."""
    fake = {
        "HAMROH_BOT_TOKEN": "123456:TEST",
        "POSTGRES_PASSWORD": "secret",
        "HAMROH_WEBHOOK_URL": "https://bot.example.org/hook",
        "HAMROH_WEBHOOK_SECRET": "s3cret_token",
    }
    out = value
    while "${" in out:
        start = out.index("${")
        end = out.index("}", start)
        name = out[start + 2 : end].split(":")[0]
        default = out[start + 2 : end].split(":-", 1)[1] if ":-" in out[start:end] else ""
        out = out[:start] + fake.get(name, default) + out[end + 1 :]
    return out


def test_postgres_two_bots_and_the_web_channel() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "bot-1", "bot-2", "web"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["web"]["command"] == ["hamroh", "web", "--host", "0.0.0.0", "--port", "8080"]
    for name in ("bot-1", "bot-2"):
        bot = services[name]
        assert bot["command"] == ["hamroh", "run"]
        assert bot["depends_on"]["db"]["condition"] == "service_healthy"
        env = {key: _resolved(str(value)) for key, value in bot["environment"].items()}
        settings = Settings(**{key.removeprefix("HAMROH_").lower(): v for key, v in env.items()})
        target = settings.storage_target
        assert isinstance(target, str) and target.startswith("postgresql://hamroh:secret@db:")
        assert settings.use_webhook  # several instances need Telegram to push to them
    published = {services[n]["ports"][0] for n in ("bot-1", "bot-2")}
    assert len(published) == 2  # each instance reachable by the proxy


def test_the_commands_exist() -> None:
    parser = build_parser()
    parser.parse_args(["run"])
    parser.parse_args(["db", "retention"])


def _dotenv(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {name.strip(): value.strip() for name, value in pairs}


def test_the_env_example_the_instructions_copy_exists_and_fills_every_required_variable() -> None:
    """``cp .env.example .env`` is the first line of compose.yaml's instructions."""
    assert "cp .env.example .env" in (ROOT / "compose.yaml").read_text(encoding="utf-8")
    example = _dotenv(ROOT / ".env.example")
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    required = {
        part.split(":?")[0] for part in compose.split("${")[1:] if ":?" in part.split("}")[0]
    }
    assert required <= set(example), required - set(example)
    assert set(example) <= required | {"HAMROH_ADMIN_IDS", "HAMROH_SEND_RATE"}
    assert "never commit" in (ROOT / ".env.example").read_text(encoding="utf-8")
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored
