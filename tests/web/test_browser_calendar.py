"""The files from the result page: the calendar file (the deadlines a phone keeps,
neutral titles unless the person asks for names) and the timeline picture, downloaded
with JavaScript on and off; the page stays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.app.state import decode_answers
from bot.core.rules import Ruleset, evaluate
from bot.export import calendar_file

from .browsing import hidden_answers, shown_result, walk_to_result
from .conftest import AS_OF, WebServer
from .personas import WORKER_IN_MOSCOW


def _events(data: bytes) -> dict[str, tuple[date, str]]:
    calendar = Calendar.from_ical(data)
    return {
        str(event["UID"]): (event.decoded("DTSTART"), str(event["SUMMARY"]))
        for event in calendar.walk("VEVENT")
    }


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_the_calendar_file_holds_the_deadlines_of_the_result(
    browser: Any, web_server: WebServer, shipped_ruleset: Ruleset, tmp_path: Path,
    javascript: bool,
) -> None:  # fmt: skip
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{web_server.url}/ru/")
    walk_to_result(page, shipped_ruleset, WORKER_IN_MOSCOW)
    deadlines = shown_result(page)["deadlines"]
    assert deadlines

    with page.expect_download() as download:
        page.click("form.files button[value=calendar]")
    assert download.value.suggested_filename == "calendar.ics"
    neutral = Path(download.value.path()).read_bytes()
    assert shown_result(page)["deadlines"] == deadlines  # still on the result page

    answers = hidden_answers(page)
    assessment = evaluate(
        decode_answers(shipped_ruleset, answers), date.fromisoformat(AS_OF), shipped_ruleset
    )
    expected = calendar_file(assessment, shipped_ruleset, "ru", made_at=datetime.now(UTC))
    assert _events(neutral) == _events(expected)
    days = sorted(day for day, _title in _events(neutral).values())
    assert {d for _id, d in deadlines} <= {day.isoformat() for day in days}
    # the label line of each deadline (a note the rules wrote may follow on its own line)
    labels = [
        label.inner_text().splitlines()[0] for label in page.locator("li[data-deadline]").all()
    ]
    for _day, title in _events(neutral).values():
        assert not any(label.split(" — ")[-1] in title for label in labels), title

    with page.expect_download() as download:
        page.click("form.files button[value='calendar:detailed']")
    detailed = _events(Path(download.value.path()).read_bytes())
    assert set(detailed) == set(_events(neutral))
    assert any(
        label.split(" — ")[-1] in title for label in labels for _d, title in detailed.values()
    )
    context.close()
