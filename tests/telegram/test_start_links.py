"""Start links (``t.me/<bot>?start=ky``): the language preselected, counted, nobody named."""

from __future__ import annotations

import pytest

from bot.core.rules import Ruleset
from bot.i18n import LANGUAGE_NAMES
from bot.testing import FakeBotAPI
from tests.telegram.conftest import BotUser
from tests.telegram.test_admin import (  # noqa: F401  (fixtures: an admin, a served ruleset)
    _admin,
    rules_copy,
    served,
    settings,
)


def preselected(user: BotUser) -> list[str]:
    """The picker's checked language button(s)."""
    return [text[2:] for text, _data in user.last_with_buttons().buttons() if text.startswith("✓ ")]


@pytest.mark.parametrize(
    ("payload", "locale"), [("uz_Cyrl", "uz_Cyrl"), ("ky", "ky"), ("UZ", "uz")]
)
async def test_a_start_link_preselects_its_language(
    make_app, api: FakeBotAPI, payload: str, locale: str, errors
) -> None:
    app, _db = await make_app()
    user = BotUser(app, api, user_id=1001, language_code="ru")  # the phone says Russian
    await user.say(f"/start {payload}")
    assert preselected(user) == [LANGUAGE_NAMES[locale]]
    assert errors == []


@pytest.mark.parametrize("payload", ["en", "qr-poster-7", "uz_Cyrl_extra", "ru_RU"])
async def test_an_unknown_payload_is_ignored(make_app, api: FakeBotAPI, payload: str, errors):
    app, _db = await make_app()
    user = BotUser(app, api, user_id=1002, language_code="ru")
    await user.say(f"/start {payload}")
    assert preselected(user) == [LANGUAGE_NAMES["ru"]]  # Telegram's guess, as without one
    assert errors == []


async def test_stats_count_each_link_and_name_nobody(
    make_app,
    api: FakeBotAPI,
    served: Ruleset,  # noqa: F811  (the fixture imported above)
    errors,
) -> None:
    app, _db = await make_app(ruleset=served)
    for uid, payload in ((1001, "ky"), (1002, "ky"), (1003, "uz_Cyrl"), (1004, "nonsense")):
        await BotUser(app, api, user_id=uid).say(f"/start {payload}")
    await BotUser(app, api, user_id=1001).say("/start ky")  # twice from one person: two uses
    admin = _admin(app, api)
    await admin.say("/stats")
    text = admin.last().text
    assert "Start links (t.me/…?start=ky): ky 3, uz_Cyrl 1" in text
    assert "1001" not in text and "1003" not in text
    assert errors == []
