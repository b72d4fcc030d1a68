"""Every case of the shipped rule tests, as a result page in every language: it renders,
it says what the engine says, and it stays under the 30 KB budget on the wire.

In process (the ASGI app through httpx), because 90 cases × 5 languages in a browser
would take many minutes and add nothing the browser tests do not already cover.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from urllib.parse import urlencode

import httpx
import pytest

from bot.app.state import decode_answers, encode_value
from bot.core.interview import Interview, current_question
from bot.core.locales import LOCALES
from bot.core.rules import Ruleset, evaluate
from bot.i18n import load_catalogs
from bot.web.form import hidden_fields
from bot.web.server import create_app

PAGE_BUDGET = 30 * 1024
FORM = {"content-type": "application/x-www-form-urlencoded", "accept-encoding": "gzip"}


def _complete_cases(ruleset: Ruleset) -> list[tuple[str, date, dict[str, object]]]:
    """Rule test cases whose answers finish the interview (the others stop at a question)."""
    cases = []
    for located in ruleset.tests:
        case = located.case
        answers = {k: encode_value(v) for k, v in case.answers.items()}
        state = Interview(decode_answers(ruleset, answers))
        if current_question(state, ruleset, case.as_of) is None:
            cases.append((case.name, case.as_of, dict(state.answers)))
    return cases


@pytest.fixture
async def pages(shipped_ruleset: Ruleset) -> AsyncIterator[dict[date, httpx.AsyncClient]]:
    """One app per day a case is judged on (the web's clock is injected)."""
    clients: dict[date, httpx.AsyncClient] = {}
    for day in {case.case.as_of for case in shipped_ruleset.tests}:
        app = create_app(shipped_ruleset, load_catalogs(), lambda day=day: day)
        clients[day] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://web"
        )
    yield clients
    for client in clients.values():
        await client.aclose()


async def test_every_complete_rule_case_is_a_small_result_page(
    shipped_ruleset: Ruleset, pages: dict[date, httpx.AsyncClient]
) -> None:
    cases = _complete_cases(shipped_ruleset)
    assert len(cases) >= 30
    largest = (0, "")
    for name, day, answers in cases:
        expected = evaluate(answers, day, shipped_ruleset)
        fields = hidden_fields(Interview(answers))
        for locale in LOCALES:
            # "Why?" of a finished interview: the web's answer is the whole result page
            body = urlencode([*fields, ("do", "detail:why")])
            response = await pages[day].post(f"/{locale}/step", content=body, headers=FORM)
            assert response.status_code == 200, (name, locale)
            html = response.text
            status = re.search(r'data-status="([a-z_]+)"', html)
            assert status and status.group(1) == expected.status, (name, locale)
            shown = re.findall(r'data-outcome="([a-z0-9_]+)"', html)
            assert sorted(shown) == sorted(o.id for o in expected.outcomes), (name, locale)
            wire = response.num_bytes_downloaded
            assert response.headers.get("content-encoding") == "gzip"
            assert wire < PAGE_BUDGET, (name, locale)
            largest = max(largest, (wire, f"{name} [{locale}] {len(response.content)} B raw"))
    print(f"largest result page: {largest[0]} B gzip — {largest[1]}")
