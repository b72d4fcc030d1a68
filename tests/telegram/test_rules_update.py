"""/reload and the ruleset check at start: only a ruleset that passes is served, and the
people it affects (reminders on) are re-checked and told once what changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.app.rules_update import SERVED, pick_up_on_start, wait_for_tasks
from bot.core.rules import Ruleset, load_ruleset
from bot.core.rules.present import format_day
from bot.settings import Settings
from bot.telegram.services import services_of
from bot.testing import DEFAULT_TOKEN, FakeBotAPI
from tests.core.conftest import make_rules_dir
from tests.telegram.conftest import PATENT_ANSWERS, BotUser, close_app
from tests.telegram.helpers import answer_all, start
from tests.telegram.queue import drain, msk

ADMIN = 9001
NEW_DEADLINE = """      - id: patent_reissue
        date: "patent_reissue_deadline"
      - id: medical_renewal
        date: "patent_paid_until"
        remind_days_before: [2]
"""


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    return make_rules_dir(tmp_path / "served")


@pytest.fixture
def settings(db_path: Path, rules_copy: Path) -> Settings:
    return Settings(
        bot_token=DEFAULT_TOKEN, db_path=db_path, rules_dir=rules_copy, admin_ids=(ADMIN,)
    )


def edit(rules: Path, relative: str, old: str, new: str) -> None:
    path = rules / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_deadline(rules: Path, version: str = "1.2.0") -> None:
    """A change that matters to patent holders: a new deadline on their outcome."""
    edit(
        rules,
        "outcomes/fixture.yaml",
        '      - id: patent_reissue\n        date: "patent_reissue_deadline"\n',
        NEW_DEADLINE,
    )
    served = load_ruleset(rules).version
    edit(rules, "ruleset.yaml", f'version: "{served}"', f'version: "{version}"')


async def _people(app, api: FakeBotAPI, ruleset: Ruleset) -> tuple[BotUser, BotUser]:
    reminded = BotUser(app, api, user_id=1001)
    await start(reminded, "ru")
    await answer_all(reminded, ruleset, "ru", PATENT_ANSWERS)
    await reminded.tap(app.bot_data["hamroh"].catalogs.gettext("ru")("Remind me"))
    silent = BotUser(app, api, user_id=1002)
    await start(silent, "ky")
    await answer_all(silent, ruleset, "ky", PATENT_ANSWERS)
    return reminded, silent


async def test_a_broken_ruleset_is_rejected_and_the_old_one_keeps_serving(
    make_app, api: FakeBotAPI, rules_copy: Path, errors
):
    served = load_ruleset(rules_copy)
    app, _db = await make_app(ruleset=served)
    user, _silent = await _people(app, api, served)
    admin = BotUser(app, api, user_id=ADMIN)
    edit(rules_copy, "outcomes/fixture.yaml", "status: legal", "status: legal\n    colour: green")
    await admin.say("/reload")
    reply = admin.last().text
    assert reply.startswith(
        f"Ruleset rejected. Still serving {served.version} ({served.fingerprint})."
    )
    assert "rules/outcomes/fixture.yaml:5: unknown key 'colour'" in reply
    assert services_of(app).ruleset is served
    await user.say("/status")  # the bot keeps answering with the old rules
    assert served.header.statuses["legal"].title.get("ru") in user.texts_since(-3)[0]
    assert errors == []


async def test_a_ruleset_failing_its_own_tests_is_rejected(
    make_app, api: FakeBotAPI, rules_copy: Path, errors
):
    served = load_ruleset(rules_copy)
    app, _db = await make_app(ruleset=served)
    admin = BotUser(app, api, user_id=ADMIN)
    edit(
        rules_copy,
        "outcomes/fixture.yaml",
        "patent_paid_until >= as_of",
        "patent_paid_until > as_of",
    )
    await admin.say("/reload")
    reply = admin.last().text
    assert reply.startswith("Ruleset rejected.")
    assert (
        "rules/tests/fixture.yaml:2: test 'patent paid until today is still valid': expected status legal"
        in reply
    )
    assert services_of(app).ruleset is served
    assert errors == []


async def test_a_good_ruleset_is_swapped_in_and_affected_users_are_told_once(
    make_app, api: FakeBotAPI, rules_copy: Path, errors
):
    served = load_ruleset(rules_copy)
    app, db = await make_app(ruleset=served)
    reminded, silent = await _people(app, api, served)
    admin = BotUser(app, api, user_id=ADMIN)
    await admin.say("/reload")
    assert admin.last().text.startswith("No change: the ruleset on disk is the one served")

    add_deadline(rules_copy)
    await admin.say("/reload")
    reply = admin.last().text
    new = services_of(app).ruleset
    assert new is not served and new.version == "1.2.0"
    assert reply.startswith(
        f"Now serving ruleset 1.2.0 ({new.fingerprint}), was {served.version} ({served.fingerprint})."
    )
    assert "rule tests passed" in reply
    await wait_for_tasks(services_of(app))
    await drain(app)

    label = new.header.deadlines["medical_renewal"].label.get("ru")
    notice = reminded.last().text
    assert notice.startswith("ℹ️ Правила в боте обновились. Ваш результат изменился.")
    assert f"Новый срок: {format_day(dt.date(2025, 6, 30), 'ru')} — {label}" in notice
    assert "Статус" not in notice  # only what changed
    assert not any("Правила в боте" in m.text for m in silent.messages())  # no reminders: not told
    planned = {
        (r.deadline_id, r.offset_days, r.remind_at)
        for r in await db.reminders_for(reminded.user_id)
        if r.state == "scheduled"
    }
    assert ("medical_renewal", 2, msk(2025, 6, 28, 10)) in planned
    assert (await db.get_user(reminded.user_id)).ruleset_version == "1.2.0"
    assert await db.get_state(SERVED) == new.fingerprint

    await admin.say("/reload")  # the same again: nobody is told twice
    await wait_for_tasks(services_of(app))
    await drain(app)
    assert (
        reminded.last().text == notice
        and len([m for m in reminded.messages() if m.text == notice]) == 1
    )
    assert errors == []


async def test_a_changed_ruleset_is_picked_up_on_start(
    make_app, api: FakeBotAPI, rules_copy: Path, errors
):
    first = load_ruleset(rules_copy)
    app, db = await make_app(ruleset=first)
    await pick_up_on_start(services_of(app))  # first run: remembered, nothing to compare
    assert await db.get_state(SERVED) == first.fingerprint
    reminded, _silent = await _people(app, api, first)
    await close_app(app, db)

    add_deadline(rules_copy)  # edited while the bot was down
    second = load_ruleset(rules_copy)
    app, db = await make_app(ruleset=second)
    await pick_up_on_start(services_of(app))
    await wait_for_tasks(services_of(app))
    await drain(app)
    assert "Правила в боте обновились" in api.last_message(reminded.user_id).text
    assert await db.get_state(SERVED) == second.fingerprint
    await close_app(app, db)

    edit(
        rules_copy,
        "outcomes/fixture.yaml",
        "patent_paid_until >= as_of",
        "patent_paid_until > as_of",
    )
    edit(rules_copy, "ruleset.yaml", 'version: "1.2.0"', 'version: "1.3.0"')
    broken = load_ruleset(rules_copy)  # loads, but fails its own tests
    app, db = await make_app(ruleset=broken)
    await pick_up_on_start(services_of(app))
    assert services_of(app).ruleset.fingerprint == second.fingerprint  # the previous one serves
    assert await db.get_state(SERVED) == second.fingerprint
    assert errors == []
