"""Contract: small facts kept between runs and ruleset copies."""

from __future__ import annotations

import datetime as dt

from bot.storage import Storage


async def test_state_is_set_replaced_and_deleted(storage: Storage) -> None:
    assert await storage.get_state("served_ruleset") is None
    await storage.set_state("served_ruleset", "abc")
    await storage.set_state("served_ruleset", "def")
    assert await storage.get_state("served_ruleset") == "def"
    await storage.set_state("served_ruleset", None)
    assert await storage.get_state("served_ruleset") is None


async def test_ruleset_snapshots_keep_the_newest_five(storage: Storage, now: dt.datetime) -> None:
    files = {"rules/uz.yaml": "version: 1\nтекст: ў қ ғ ҳ\n"}
    assert await storage.load_ruleset_snapshot("f0") is None
    for n in range(7):
        await storage.save_ruleset_snapshot(f"f{n}", f"1.{n}", files, now + dt.timedelta(hours=n))
    assert await storage.load_ruleset_snapshot("f6") == files
    assert await storage.load_ruleset_snapshot("f2") == files
    assert await storage.load_ruleset_snapshot("f1") is None
    assert await storage.load_ruleset_snapshot("f0") is None


async def test_schema_version_is_reported(storage: Storage) -> None:
    assert await storage.schema_version() >= 1
