"""Every case of the shipped rule tests, as a result page in every language: it renders,
it says what the engine says, and it stays under the 30 KB budget on the wire.

In process (the ASGI app through httpx), because 90 cases × 5 languages in a browser
would take many minutes and add nothing the browser tests do not already cover.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from urllib.parse import urlencode

import httpx

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


async def _result_pages(
    ruleset: Ruleset, cases: list[tuple[str, date, dict[str, object]]]
) -> list[tuple[str, str, httpx.Response]]:
    """POST each case's answers to an app judging on the case's day, in every locale."""
    found = []
    apps = {day: create_app(ruleset, load_catalogs(), lambda day=day: day) for _, day, _ in cases}
    for name, day, answers in cases:
        transport = httpx.ASGITransport(app=apps[day])
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            fields = hidden_fields(Interview(answers))
            # "Why?" of a finished interview: the web's answer is the whole result page
            body = urlencode([*fields, ("do", "detail:why")])
            for locale in LOCALES:
                response = await client.post(f"/{locale}/step", content=body, headers=FORM)
                found.append((name, locale, response))
    return found


def test_every_complete_rule_case_is_a_small_result_page(shipped_ruleset: Ruleset) -> None:
    cases = _complete_cases(shipped_ruleset)
    assert len(cases) >= 30
    # In a thread of its own: its event loop cannot clash with the suite's or Playwright's.
    with ThreadPoolExecutor(1) as pool:
        pages = pool.submit(asyncio.run, _result_pages(shipped_ruleset, cases)).result()
    expected = {name: evaluate(answers, day, shipped_ruleset) for name, day, answers in cases}
    largest = (0, "")
    for name, locale, response in pages:
        assert response.status_code == 200, (name, locale)
        html = response.text
        status = re.search(r'data-status="([a-z_]+)"', html)
        assert status and status.group(1) == expected[name].status, (name, locale)
        shown = re.findall(r'data-outcome="([a-z0-9_]+)"', html)
        assert sorted(shown) == sorted(o.id for o in expected[name].outcomes), (name, locale)
        assert response.headers.get("content-encoding") == "gzip"
        wire = response.num_bytes_downloaded
        assert wire < PAGE_BUDGET, (name, locale)
        largest = max(largest, (wire, f"{name} [{locale}] {len(response.content)} B raw"))
    print(f"largest result page: {largest[0]} B gzip — {largest[1]}")
