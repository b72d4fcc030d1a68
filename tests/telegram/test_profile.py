"""The bot's descriptions at Telegram: in every language, set only when they changed."""

from __future__ import annotations

from bot.telegram.app import startup
from bot.telegram.profile import DESCRIPTION, SHORT_DESCRIPTION, published
from bot.telegram.services import services_of
from bot.testing import FakeBotAPI

CODES = {"": "ru", "ru": "ru", "ky": "ky", "tg": "tg", "uz": "uz"}
"""Telegram's two-letter codes (``""``: every other client) and the locale they get."""


async def test_descriptions_in_each_language_then_only_when_changed(
    make_app, api: FakeBotAPI, errors
) -> None:
    app, _db = await make_app()
    await startup(app)
    await published(app)
    catalogs = services_of(app).catalogs
    for code, locale in CODES.items():
        _ = catalogs.gettext(locale)
        assert api.descriptions[code] == _(DESCRIPTION)
        assert api.short_descriptions[code] == _(SHORT_DESCRIPTION)
    assert "паспорт" in api.descriptions["ru"] and "паспорт" in api.short_descriptions["ru"]
    assert "pasport" in api.descriptions["uz"]  # Latin: Uzbek Cyrillic has no code of its own
    assert api.descriptions["ky"] != api.descriptions["ru"]
    sets = len(api.calls_to("setMyDescription")) + len(api.calls_to("setMyShortDescription"))
    assert sets == 2 * len(CODES)

    again, _db2 = await make_app()  # a restart: Telegram already has these texts
    await startup(again)
    await published(again)
    later = len(api.calls_to("setMyDescription")) + len(api.calls_to("setMyShortDescription"))
    assert later == sets
    assert len(api.calls_to("getMyDescription")) == 2 * len(CODES)

    api.descriptions["ky"] = "an old text"  # changed by hand in @BotFather
    third, _db3 = await make_app()
    await startup(third)
    await published(third)
    assert [c.params.get("language_code") for c in api.calls_to("setMyDescription")][-1] == "ky"
    assert api.descriptions["ky"] == catalogs.gettext("ky")(DESCRIPTION)
    assert errors == []
