""" "Show to an official" on the web: the card and the answers it rests on, in Russian,
whatever language the person reads; one line in their own language says what the page
is for, and Back returns to the result with every answer kept."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.rules import Ruleset

from .browsing import hidden_answers, shown_result, walk_to_result
from .conftest import WebServer
from .personas import WORKER_IN_MOSCOW


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_the_official_sheet_is_in_russian_and_back_returns_to_the_result(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{web_server.url}/tg/")
    walk_to_result(page, shipped_ruleset, WORKER_IN_MOSCOW)
    result = shown_result(page)
    answers = hidden_answers(page)

    page.click("button[value='detail:official']")
    sheet = page.locator("section.official")
    assert sheet.get_attribute("lang") == "ru"
    text = sheet.inner_text()
    assert "Краткая справка для сотрудника" in text
    assert "Ответы, на которых основана справка" in text
    note = page.locator("p.notice").inner_text()
    assert "русӣ" in note.lower()  # the Tajik line saying the screen is in Russian
    assert hidden_answers(page) == answers

    page.click("div.nav button")
    assert shown_result(page) == result
    assert hidden_answers(page) == answers
    context.close()
