"""Back, "why we ask", changing one answer from the result, switching the language,
and typing something that is not an answer — in the browser, as a person does it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.core.answers import ParseError, parse_answer
from bot.core.locales import LOCALES
from bot.core.rules import Ruleset
from bot.i18n import load_catalogs, parse_error_message

from .browsing import (
    Persona,
    Wire,
    answer,
    hidden_answers,
    question_id,
    shown_result,
    submit,
    walk_to_result,
)
from .conftest import AS_OF, WebServer
from .personas import LAPSED_PATENT, WORKER_IN_MOSCOW

NUMERIC_DATES = {"patent_issue_date": "31.01.2026"}
"""The one date WORKER_IN_MOSCOW types with a Russian month name, typed in every language."""


def _open(browser: Any, server: WebServer, locale: str, javascript: bool, **options: Any) -> Any:
    context = browser.new_context(java_script_enabled=javascript, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{server.url}/{locale}/")
    return page


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_back_shows_the_previous_question_with_the_answer_given(
    browser: Any, web_server: WebServer, javascript: bool
) -> None:
    page = _open(browser, web_server, "ru", javascript)
    submit(page, "button[name=do][value='answer:citizenship:UZ']")
    assert question_id(page) == "in_russia"
    submit(page, "button[name=do][value=back]")
    assert question_id(page) == "citizenship"
    assert page.locator("button.selected").get_attribute("value") == "answer:citizenship:UZ"
    assert "Узбекистан" in page.locator(".now").inner_text()
    submit(page, "button[name=do][value='answer:citizenship:TJ']")
    assert question_id(page) == "in_russia"
    assert page.locator("input[name='a.citizenship']").get_attribute("value") == "TJ"
    page.context.close()


def test_why_we_ask_without_javascript_is_one_more_page(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset
) -> None:
    page = _open(browser, web_server, "ky", javascript=False)
    assert not page.locator("#why").is_visible()
    submit(page, "button[name=do][value='why:citizenship']")
    assert question_id(page) == "citizenship"
    assert page.locator("#why").is_visible()
    assert page.locator("#why").inner_text() == shipped_ruleset.question("citizenship").why.ky
    page.context.close()


def test_why_we_ask_with_javascript_opens_in_place(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset
) -> None:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    wire = Wire(web_server.url)
    wire.attach(context)
    page = context.new_page()
    page.goto(f"{web_server.url}/tg/")
    page.click("button[name=do][value='why:citizenship']")
    page.locator("#why").wait_for(state="visible")
    assert page.locator("#why").inner_text() == shipped_ruleset.question("citizenship").why.tg
    assert len(wire.documents) == 1  # no round trip
    page.click("button[name=do][value='why:citizenship']")
    page.locator("#why").wait_for(state="hidden")
    context.close()


def test_change_one_answer_from_the_result(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset
) -> None:
    page = _open(browser, web_server, "ru", javascript=True)
    walk_to_result(page, shipped_ruleset, WORKER_IN_MOSCOW)
    before = shown_result(page)
    assert "amina_active" in before["outcomes"]
    change = page.locator("button[name=do][value='change:region']")
    assert not change.is_visible()  # JavaScript folds the sections below the card …
    page.click(".card a[href='#answers']")  # … and the card's link opens the one it names
    change.wait_for(state="visible")
    submit(page, "button[name=do][value='change:region']")
    assert question_id(page) == "region"
    assert page.locator("button.selected").get_attribute("value") == "answer:region:moscow"
    submit(page, "button[name=do][value='answer:region:spb']")
    after = shown_result(page)  # nothing new to ask: straight back to the result
    assert "amina_active" not in after["outcomes"]
    answers = hidden_answers(page)
    assert answers["region"] == "spb"
    assert answers["amina"] == "yes"  # kept, no longer counted; back if Moscow is chosen again
    page.context.close()


def test_switching_the_language_keeps_the_place_and_the_answers(
    browser: Any, web_server: WebServer
) -> None:
    page = _open(browser, web_server, "ru", javascript=False)
    submit(page, "button[name=do][value='answer:citizenship:KG']")
    submit(page, "button[name=do][value='answer:in_russia:yes']")
    shown = question_id(page)
    submit(page, "button[name=do][value='language:ky']")
    assert page.locator("html").get_attribute("lang") == "ky"
    assert question_id(page) == shown
    assert hidden_answers(page) == {"citizenship": "KG", "in_russia": "yes"}
    assert page.locator("form").first.get_attribute("action") == "../ky/step"
    page.context.close()


@pytest.mark.parametrize("typed", ["салом", "31.02.2026", "99.99.99", "1" * 300])
def test_typed_nonsense_gets_the_bots_answer_and_keeps_the_place(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset, typed: str
) -> None:
    page = _open(browser, web_server, "tg", javascript=False)
    for qid in ("citizenship", "in_russia", "in_registry"):
        value = LAPSED_PATENT.answers[qid]
        submit(page, f"button[name=do][value='answer:{qid}:{value}']")
    assert question_id(page) == "entry_date"
    page.fill("#answer", typed)  # maxlength=200: a browser cuts a longer paste
    submit(page, "button[name=do][value=send]")
    assert question_id(page) == "entry_date"
    sent = typed[:200]
    error = parse_answer(
        shipped_ruleset.question("entry_date"), sent, shipped_ruleset, date.fromisoformat(AS_OF)
    )
    assert isinstance(error, ParseError)
    assert page.locator(".notice").inner_text() == parse_error_message(error, "tg", load_catalogs())
    assert page.locator("#answer").input_value() == sent
    assert hidden_answers(page) == {"citizenship": "TJ", "in_russia": "yes", "in_registry": "no"}
    page.context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_fits_a_320_pixel_screen(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset, javascript: bool, locale: str
) -> None:
    """Every question page on the way, not just the first: a long official term in
    brackets («медосвидетельствование») is wider than a 320 px phone by itself."""
    page = _open(browser, web_server, locale, javascript, viewport={"width": 320, "height": 640})
    person = Persona(WORKER_IN_MOSCOW.name, locale, {**WORKER_IN_MOSCOW.answers, **NUMERIC_DATES})

    def fits() -> bool:
        return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))

    asked = []
    while not page.locator("[data-status]").count() and len(asked) < 40:
        qid = question_id(page)
        assert qid is not None, page.content()[:500]
        asked.append(qid)
        assert fits(), f"{locale}: the question {qid}"
        answer(page, shipped_ruleset, person, qid)
    assert "medical_date" in asked
    if javascript:
        for heading in page.locator(".fold h2").all():
            heading.click()  # open every folded section: the long source links are inside
    assert fits(), f"{locale}: the result"
    page.context.close()


def test_a_tap_whose_request_was_cancelled_can_be_made_again(
    browser: Any, web_server: WebServer
) -> None:
    """JavaScript keeps a second tap on a slow link from sending the form twice; when
    the first request is cancelled (the browser's stop, a dropped link), the page stays,
    and a later tap must still go: it was ignored until the page was reloaded."""
    context = browser.new_context(java_script_enabled=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.clock.install()  # the page's own timers, moved by the test: nothing waits
    page.goto(f"{web_server.url}/ru/")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    cancelled: list[str] = []

    def cancel_the_first(route: Any) -> None:
        if cancelled:
            route.continue_()
            return
        cancelled.append(route.request.url)
        route.abort("aborted")  # the navigation is dropped: the page stays as it was

    page.route("**/ru/step", cancel_the_first)
    page.click("button[name=do][value='answer:citizenship:UZ']", no_wait_after=True)
    while not cancelled:  # the request reaches the route a moment after the click
        page.wait_for_timeout(50)
    assert question_id(page) == "citizenship"
    page.clock.fast_forward(15_000)  # the person waits, sees nothing happen, taps again
    submit(page, "button[name=do][value='answer:citizenship:TJ']")
    assert len(posts) == 2
    assert question_id(page) == "in_russia"
    assert page.locator("input[name='a.citizenship']").get_attribute("value") == "TJ"
    context.close()


def test_a_double_tap_on_a_slow_link_sends_the_form_once(
    browser: Any, web_server: WebServer
) -> None:
    context = browser.new_context(java_script_enabled=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.clock.install()
    page.goto(f"{web_server.url}/ru/")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    held: list[Any] = []
    page.route("**/ru/step", lambda route: held.append(route))
    second = page.locator("button[name=do][value='answer:citizenship:TJ']").bounding_box()
    assert second is not None
    page.click("button[name=do][value='answer:citizenship:UZ']", no_wait_after=True)
    while not held:  # the first request is on its way, and stays there
        page.wait_for_timeout(50)
    page.mouse.click(second["x"] + 5, second["y"] + 5)  # the second tap, 0 s later
    with page.expect_navigation():  # sent twice, the second would replace the first and hang
        held[0].continue_()
    assert len(posts) == 1
    assert question_id(page) == "in_russia"
    assert page.locator("input[name='a.citizenship']").get_attribute("value") == "UZ"
    context.close()
