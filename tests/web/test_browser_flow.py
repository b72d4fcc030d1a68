"""A person reaches a result in each of the five languages, with JavaScript on and off.

The result must be the one ``hamroh rules evaluate`` gives for the same answers on
the same day; on the way, every page is small, carries the security headers, sets
no cookie and makes no request to any other host.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from bot.core.interview import Interview
from bot.core.rules import Ruleset
from bot.web.form import hidden_fields

from .browsing import CliResult, Wire, core_answers, hidden_answers, shown_result, walk_to_result
from .conftest import AS_OF, WebServer
from .personas import PERSONAS

PAGE_BUDGET = 30 * 1024


@pytest.fixture(scope="module")
def cli_results(
    shipped_ruleset: Ruleset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, CliResult]]:
    """The CLI's verdict for each persona's answers, computed while the browser walks."""
    tmp = tmp_path_factory.mktemp("cli")
    today = date.fromisoformat(AS_OF)
    results = {  # the first as the real command; the rest by its code in this process
        p.name: CliResult(
            core_answers(shipped_ruleset, p, today), tmp, p.locale,
            loaded=None if n == 0 else shipped_ruleset,
        )
        for n, p in enumerate(PERSONAS)
    }  # fmt: skip
    yield results
    for result in results.values():
        if result.process is not None and result.process.poll() is None:
            result.process.kill()


WALKS = [  # every language reaches a result; both ways of browsing in turn, and both
    # for the longest interview
    (PERSONAS[0], False), (PERSONAS[0], True), (PERSONAS[1], True), (PERSONAS[2], False),
    (PERSONAS[3], True), (PERSONAS[4], False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "javascript"),
    WALKS,
    ids=[f"{p.locale}-{'js' if js else 'no-js'}" for p, js in WALKS],
)
def test_a_person_reaches_the_same_result_as_the_cli(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset,
    cli_results: dict[str, CliResult], persona: Any, javascript: bool,
) -> None:  # fmt: skip
    context = browser.new_context(java_script_enabled=javascript)
    wire = Wire(web_server.url)
    wire.attach(context)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(web_server.url + "/")
    with page.expect_navigation():
        page.click(f"a[href$='/{persona.locale}/']")
    asked = walk_to_result(page, shipped_ruleset, persona)

    answers = hidden_answers(page)
    for qid, value in persona.answers.items():
        if qid in asked:
            assert answers[qid] == persona.stored.get(qid, value), qid
    expected = cli_results[persona.name]
    # the web kept exactly the answers the core's own interview gives for the same taps
    assert answers == {
        name[2:]: value for name, value in hidden_fields(Interview(expected.answers))
    }
    assert shown_result(page) == expected.shown()
    assert page.locator("html").get_attribute("lang").startswith(persona.locale[:2])

    assert wire.foreign == []
    assert context.cookies() == []
    assert len(wire.documents) == len(asked) + 2  # the language list, the first question, …
    for response in wire.documents:
        headers = response.headers
        assert "set-cookie" not in headers
        assert headers["referrer-policy"] == "no-referrer"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
    for url, size in wire.sizes():
        assert 0 < size < PAGE_BUDGET, url
    context.close()
