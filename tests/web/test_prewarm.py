"""What is the same for everyone is made at start, so what is kept says nothing of who came.

The web keeps the parts of pages that hold nothing of a person (the first pages, a
question's text and buttons, an outcome's sources, the contacts, the language switcher)
for the day. Made as pages are first shown, they would tell which languages, questions
and outcomes were shown today; ``hamroh web`` makes all of them at start instead
(``create_app(prewarm=True)``), and showing pages adds none.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import httpx
import pytest

from bot.app.state import encode_value
from bot.core import interview as core
from bot.core.interview import Interview, current_question, give_answer
from bot.core.locales import LOCALES
from bot.core.rules import Ruleset
from bot.i18n import load_catalogs
from bot.web.form import hidden_fields
from bot.web.server import Shield, create_app

TODAY = date(2026, 6, 15)
FORM = {"content-type": "application/x-www-form-urlencoded", "accept-encoding": "gzip"}


def _kept(app: object) -> dict[str, int]:
    assert isinstance(app, Shield)
    return app.pages.kept()


async def _walk_every_case(client: httpx.AsyncClient, ruleset: Ruleset) -> int:
    """Tap through every rule case (and "why we ask" on each question) in a language of
    its own, then show its result in every language; the number of pages shown."""
    shown = 0
    for number, located in enumerate(ruleset.tests):
        answers = {k: encode_value(v) for k, v in located.case.answers.items()}
        locale = LOCALES[number % len(LOCALES)]
        state = Interview(private=True)
        while (question := current_question(state, ruleset, TODAY)) is not None:
            if question.id not in answers:
                break
            fields = [*hidden_fields(state), ("q", question.id)]
            for action in (f"why:{question.id}", f"answer:{question.id}:{answers[question.id]}"):
                body = urlencode([*fields, ("do", action)])
                response = await client.post(f"/{locale}/step", content=body, headers=FORM)
                assert response.status_code == 200
                shown += 1
            state = give_answer(state, question.id, answers[question.id])
        if current_question(state, ruleset, TODAY) is None:
            body = urlencode([*hidden_fields(state), ("do", "detail:why")])
            for each in LOCALES:
                response = await client.post(f"/{each}/step", content=body, headers=FORM)
                assert response.status_code == 200
                shown += 1
    for locale in LOCALES:
        assert (await client.get(f"/{locale}/")).status_code == 200
    return shown


async def test_showing_pages_adds_nothing_to_what_start_made(
    shipped_ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: dict[object, object] = {}
    likely: dict[object, int] = {}
    monkeypatch.setattr(core, "_WALKS", walks)
    monkeypatch.setattr(core, "_LIKELY", likely)
    app = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY, prewarm=True)
    assert walks == {} and likely == {}  # drawn from private states, like every web page
    made = _kept(app)
    assert made["first pages"] == len(LOCALES)
    # every contact and outcome's sources and the switcher, in every language
    per_locale = len(shipped_ruleset.contacts) + len(shipped_ruleset.outcomes) + 1
    assert made["parts"] == per_locale * len(LOCALES)
    assert made["question bodies"] >= len(LOCALES) * (len(shipped_ruleset.questions) - 2)
    assert made["question frames"] == len(LOCALES) * len(shipped_ruleset.questions)
    # a result's frame with and without deadlines, and every outcome, in every language
    assert made["result frames"] == 2 * len(LOCALES)
    assert made["outcomes"] == len(shipped_ruleset.outcomes) * len(LOCALES)
    assert made["answer lines"] == len(shipped_ruleset.questions) * len(LOCALES)
    assert made["hidden lines"] == len(shipped_ruleset.questions) + 1  # and "pending"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hamroh") as client:
        assert await _walk_every_case(client, shipped_ruleset) > 500
    assert _kept(app) == made


async def test_pages_are_the_same_made_at_start_or_on_the_way(shipped_ruleset: Ruleset) -> None:
    warm = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY, prewarm=True)
    cold = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY)
    fields = [("a.citizenship", "UZ"), ("a.in_russia", "yes"), ("a.in_registry", "no")]
    requests = [("GET", f"/{locale}/", "") for locale in LOCALES] + [
        ("POST", f"/{locale}/step", urlencode([*fields, ("q", "entry_date"), ("do", action)]))
        for locale in LOCALES
        for action in ("why:entry_date", "back", "language:tg")
    ]
    pages = []
    for app in (warm, cold):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hamroh") as client:
            pages.append(
                [
                    (await client.request(method, path, content=body, headers=FORM)).content
                    for method, path, body in requests
                ]
            )
    assert pages[0] == pages[1]


async def test_results_are_the_same_made_at_start_or_on_the_way(
    shipped_ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every complete rule case's result, in every language: from the frames and
    outcomes made at start (most outcomes come from there) or rendered whole."""
    warm = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY, prewarm=True)
    cold = create_app(shipped_ruleset, load_catalogs(), lambda: TODAY)
    bodies = []
    for located in shipped_ruleset.tests:
        answers = {k: encode_value(v) for k, v in located.case.answers.items()}
        state = Interview(answers, private=True)
        if current_question(state, shipped_ruleset, TODAY) is None:
            bodies.append(urlencode([*hidden_fields(state), ("do", "detail:why")]))
    assert len(bodies) > 40
    from bot.web.pages import WebPages

    rendered: list[str] = []
    lines: list[object] = []
    render, render_line = WebPages._render_outcome, WebPages._render_answer_item

    def counted(self: WebPages, ctx: object, outcome_id: str, *rest: object) -> str:
        rendered.append(outcome_id)
        return render(self, ctx, outcome_id, *rest)

    def counted_line(self: WebPages, ctx: object, item: object) -> str:
        lines.append(item)
        return render_line(self, ctx, item)

    monkeypatch.setattr(WebPages, "_render_outcome", counted)
    monkeypatch.setattr(WebPages, "_render_answer_item", counted_line)
    pages = []
    for app in (warm, cold):
        rendered.clear()
        lines.clear()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hamroh") as client:
            pages.append(
                [
                    (await client.post(f"/{locale}/step", content=body, headers=FORM)).content
                    for body in bodies
                    for locale in LOCALES
                ]
            )
        if app is warm:
            from_start, lines_from_start = len(rendered), len(lines)
    assert pages[0] == pages[1]
    assert from_start < len(rendered) / 4  # rendered whole only where a text shows an answer
    assert lines_from_start == 0 and len(lines) > 500  # every line of the answers kept


async def test_a_new_day_makes_its_parts_again_as_pages_ask(shipped_ruleset: Ruleset) -> None:
    day = [TODAY]
    app = create_app(shipped_ruleset, load_catalogs(), lambda: day[0], prewarm=True)
    day[0] = TODAY + timedelta(days=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hamroh") as client:
        assert (await client.get("/ky/")).status_code == 200
    assert _kept(app)["first pages"] == 1  # yesterday's are gone, today's made when asked
