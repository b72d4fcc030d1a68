"""The interface catalogs are complete, consistent and written in each language's letters.

Fails on: a msgid missing from a catalog or from the template (code changed, catalogs
not updated), an empty or fuzzy translation, a ``{placeholder}`` that differs from
the msgid, a non-Russian string equal to the Russian one, or letters of the wrong
script (an ASCII apostrophe in Uzbek Latin, Latin words in Cyrillic locales).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES, Catalogs

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
COMMAND = re.compile(r"/[a-z_]+")
ALLOWED_LATIN = {"Telegram", "id"}
"""Latin words allowed in Cyrillic-script locales (names users see in the app)."""


def _catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _template() -> Catalog:
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("rb") as handle:
        return read_po(handle)


def _entries(catalog: Catalog) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    """Msgids in the code now, extracted with babel.cfg as ``pybabel extract`` does."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        str(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "bot", method_map, options_map, keywords=DEFAULT_KEYWORDS
        )
    }


def test_template_matches_the_code(extracted: set[str]):
    template = set(_entries(_template()))
    assert extracted - template == set(), "run pybabel extract (see babel.cfg)"
    assert template - extracted == set(), "the template has strings the code no longer uses"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete_and_not_fuzzy(locale: str, extracted: set[str]):
    catalog = _catalog(locale)
    entries = _entries(catalog)
    assert extracted - set(entries) == set(), f"{locale}: run pybabel update"
    assert [m.id for m in catalog if m.id and not m.string] == []
    assert [m.id for m in catalog if m.id and m.fuzzy] == []
    assert not catalog.fuzzy, f"{locale}: the catalog header is marked fuzzy"
    assert [m.id for m in catalog.obsolete.values()] == [], f"{locale}: obsolete entries"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_and_commands_match(locale: str):
    for msgid, msgstr in _entries(_catalog(locale)).items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        assert sorted(COMMAND.findall(msgid)) == sorted(COMMAND.findall(msgstr)), msgid
        msgstr.format(**{name[1:-1]: "x" for name in PLACEHOLDER.findall(msgid)})


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "ru"])
def test_no_string_is_just_the_russian_one(locale: str):
    russian = _entries(_catalog("ru"))
    same = [msgid for msgid, text in _entries(_catalog(locale)).items() if text == russian[msgid]]
    assert same == []


@pytest.mark.parametrize(
    ("locale", "letters"),
    [("ky", "ңөү"), ("tg", "ғӣқӯҳҷ"), ("uz", "ʻ"), ("uz_Cyrl", "ўқғҳ")],
)
def test_each_language_uses_its_own_letters(locale: str, letters: str):
    text = " ".join(_entries(_catalog(locale)).values())
    for letter in letters:
        assert letter in text, f"{locale} never uses {letter}"


def test_uzbek_latin_uses_the_turned_comma():
    for msgid, text in _entries(_catalog("uz")).items():
        assert not re.search(r"[OoGg]['‘’`]", text), msgid
        assert not re.search(r"[А-Яа-яЁё]", text.replace("«", "").replace("»", "")), msgid


@pytest.mark.parametrize("locale", ["ru", "ky", "tg", "uz_Cyrl"])
def test_cyrillic_locales_have_no_stray_latin(locale: str):
    for msgid, text in _entries(_catalog(locale)).items():
        bare = PLACEHOLDER.sub("", COMMAND.sub("", text))
        words = set(re.findall(r"[A-Za-z]+", bare))
        assert words <= ALLOWED_LATIN, (msgid, words)


def test_kyrgyz_and_tajik_are_not_uzbek_cyrillic():
    """ў belongs to Uzbek; Kyrgyz has no ҳ/қ/ғ; Tajik writes ӯ and ӣ, not ў."""
    for msgid, text in _entries(_catalog("ky")).items():
        assert not set(text) & set("ўқғҳҷӣӯ"), msgid
    for msgid, text in _entries(_catalog("tg")).items():
        assert not set(text) & set("ўңөү"), msgid


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogs_load_and_translate(locale: str):
    _ = Catalogs(LOCALES_DIR).gettext(locale)
    assert _("Back") == _entries(_catalog(locale))["Back"]
