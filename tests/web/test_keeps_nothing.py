"""The web keeps nothing about the person, not even in memory shared by requests.

The bot looks up "question 3 of about 12", and which questions are asked, in tables
shared by everyone with the same deciding answers (citizenship, entry date,
registry…). The web must not fill such tables: its pages work them out for the one
request (its states are ``private``).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import httpx
import pytest

from bot.core import interview as core
from bot.core.rules import Ruleset
from bot.i18n import load_catalogs
from bot.web.server import create_app

TODAY = date(2026, 6, 15)
FORM = {"content-type": "application/x-www-form-urlencoded"}
ANSWERS = [
    ("a.citizenship", "TJ"), ("a.in_russia", "yes"), ("a.in_registry", "yes"),
    ("a.entry_date", "2026-02-03"), ("a.purpose", "work"), ("a.region", "spb"),
]  # fmt: skip


async def test_question_pages_leave_no_answers_in_a_shared_table(
    shipped_ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared: dict[object, int] = {}
    walks: dict[object, object] = {}
    monkeypatch.setattr(core, "_LIKELY", shared)
    monkeypatch.setattr(core, "_WALKS", walks)
    app = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hamroh") as client:
        for count in range(1, len(ANSWERS) + 1):
            *given, (name, value) = ANSWERS[:count]
            question = name.removeprefix("a.")
            body = urlencode([*given, ("q", question), ("do", f"answer:{question}:{value}")])
            page = await client.post("/ru/step", content=body, headers=FORM)
            assert page.status_code == 200
            assert '<p class="progress">' in page.text, page.text[:300]
    assert shared == {}
    assert walks == {}


async def test_a_result_page_leaves_no_answers_in_the_rules_engine(
    shipped_ruleset: Ruleset,
) -> None:
    """The engine's CEL contexts keep the last evaluation's values between requests (to
    convert fewer next time); the web puts them back to no answers when a request ends,
    and its table of parameters says nothing about whose citizenship was judged."""
    from bot.app.state import decode_answers, encode_value
    from bot.core.interview import Interview
    from bot.web.form import hidden_fields
    from tests.web.personas import WORKER_IN_MOSCOW

    answers = {
        name: encode_value(value)
        for name, value in {**WORKER_IN_MOSCOW.answers, **WORKER_IN_MOSCOW.stored}.items()
    } | {"children": "no"}
    state = Interview(decode_answers(shipped_ruleset, answers))
    app = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hamroh") as client:
        body = urlencode([*hidden_fields(state), ("do", "detail:why")])
        page = await client.post("/ru/step", content=body, headers=FORM)
    assert page.status_code == 200
    assert 'data-status="' in page.text  # a result: the whole evaluation ran
    assert shipped_ruleset.plan.held_values() == {}
    kept = shipped_ruleset.plan.parameter_days()
    assert kept, "the result page read the parameters"
    every = {None, *shipped_ruleset.plan.citizenships_told_apart}
    assert all(set(citizenships) == every for citizenships in kept.values()), kept
