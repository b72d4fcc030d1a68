"""The cache that spares each start the parsing of rule files and compiling of catalogs.

It must never change what is read: an edited source misses, a damaged or unreadable
cache is ignored, and old entries do not pile up.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.core.rules import fast_yaml
from bot.core.user_cache import MAX_AGE_SECONDS, cache_folder
from bot.i18n import DEFAULT_LOCALES_DIR, Catalogs

RULE_TEXT = "questions:\n  - id: entry_date\n    kind: date\n"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def test_a_parsed_rule_file_is_kept_and_read_back_with_its_lines(cache_home: Path) -> None:
    first = fast_yaml.load(RULE_TEXT)
    entries = list((cache_home / "hamroh" / "rules").glob("*.pickle"))
    assert len(entries) == 1
    again = fast_yaml.load(RULE_TEXT)
    assert again == first
    assert again["questions"][0].lc.key("kind")[0] == 2  # line numbers survive the cache
    assert oct(entries[0].parent.stat().st_mode & 0o777) == "0o700"


def test_an_edited_file_misses_the_cache(cache_home: Path) -> None:
    fast_yaml.load(RULE_TEXT)
    edited = fast_yaml.load(RULE_TEXT.replace("date", "number"))
    assert edited["questions"][0]["kind"] == "number"
    assert len(list((cache_home / "hamroh" / "rules").glob("*.pickle"))) == 2


def test_a_damaged_entry_is_parsed_again(cache_home: Path) -> None:
    fast_yaml.load(RULE_TEXT)
    (entry,) = (cache_home / "hamroh" / "rules").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert fast_yaml.load(RULE_TEXT)["questions"][0]["id"] == "entry_date"


def test_a_cache_that_cannot_be_written_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file, not a folder
    assert fast_yaml.load(RULE_TEXT)["questions"][0]["kind"] == "date"


def test_entries_not_used_for_a_month_are_removed(cache_home: Path) -> None:
    folder = cache_folder("rules")
    assert folder is not None
    folder.mkdir(parents=True)
    fast_yaml.load(RULE_TEXT)
    (used,) = folder.glob("*.pickle")
    old, recent = folder / "old.pickle", folder / "recent.pickle"
    old.write_bytes(b"x")
    recent.write_bytes(b"x")
    past = time.time() - MAX_AGE_SECONDS - 60
    for path in (old, used):
        os.utime(path, (past, past))
    fast_yaml.load(RULE_TEXT)  # read: a month old, but used now
    fast_yaml.load(RULE_TEXT + "# edited\n")  # written: the clean-up runs
    assert not old.exists()
    assert recent.exists()
    assert used.exists()


def test_a_compiled_catalog_is_kept_and_an_edited_one_is_compiled_again(
    cache_home: Path, tmp_path: Path
) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(DEFAULT_LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo"))
    assert Catalogs(locales).gettext("ky")("Back") == "Артка"
    assert len(list((cache_home / "hamroh" / "catalogs").glob("*.mo"))) == 5
    assert Catalogs(locales).gettext("ky")("Back") == "Артка"  # read back from the cache

    po = locales / "ky" / "LC_MESSAGES" / "hamroh.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="ky")
    catalog["Back"].string = "Кайра"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    assert Catalogs(locales).gettext("ky")("Back") == "Кайра"
