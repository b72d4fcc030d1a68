"""``hamroh run`` as a child process against the fake Bot API server on loopback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.testing import DEFAULT_TOKEN
from bot.testing.fake_server import FakeBotAPIServer

ROOT = Path(__file__).resolve().parents[2]


def run_env(server: FakeBotAPIServer, db_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a child ``hamroh run``: none of this process's ``HAMROH_*``, the
    fake's address, the default token, the shipped rules and ``db_path``; ``settings``
    adds or overrides ``HAMROH_<NAME>`` variables (``HEARTBEAT_PATH="…"``)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")},
        "HAMROH_BOT_TOKEN": DEFAULT_TOKEN,
        "HAMROH_BOT_API_URL": server.base_url,
        "HAMROH_DB_PATH": str(db_path),
        "HAMROH_RULES_DIR": str(ROOT / "rules"),
        **{f"HAMROH_{name}": value for name, value in settings.items()},
    }


async def start_hamroh_run(env: dict[str, str]) -> asyncio.subprocess.Process:
    """``hamroh run`` in the project folder with ``env``; stdout and stderr are pipes."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
