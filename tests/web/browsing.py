"""A person in a browser: walk the interview by clicking and typing, and watch the wire.

Each walk records every request the page made (so a test can assert that nothing
left the server's origin), every document response (headers, bytes on the wire) and
the cookies the browser holds at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from bot import cli
from bot.core.interview import Interview, answer_text, current_question, give_answer
from bot.core.rules import Ruleset
from bot.testing.answers import neutral_answer

from .conftest import AS_OF, ROOT


@dataclass(frozen=True)
class Persona:
    """Who answers: their language and what they tap or type for some questions.

    ``answers`` maps a question id to an option value (tapped) or to typed text;
    ``stored`` is what the typed texts must become (the value the server keeps in
    the form). Questions not named get :func:`bot.testing.neutral_answer`.
    """

    name: str
    locale: str
    answers: dict[str, str]
    stored: dict[str, Any] = field(default_factory=dict)


@dataclass
class Wire:
    """What the browser sent and received during a walk."""

    origin: str
    foreign: list[str] = field(default_factory=list)
    documents: list[Any] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        """Listen, do not intercept: routing would switch the browser's cache off."""

        def request(request: Any) -> None:
            parts = urlsplit(request.url)
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                self.foreign.append(request.url)

        context.on("request", request)
        context.on(
            "response",
            lambda response: (
                self.documents.append(response)
                if response.request.resource_type == "document"
                else None
            ),
        )

    def sizes(self) -> list[tuple[str, int]]:
        """``(url, bytes of the body on the wire)`` for every page loaded."""
        return [(r.url, r.request.sizes()["responseBodySize"]) for r in self.documents]


def question_id(page: Any) -> str | None:
    field_ = page.locator("input[name=q]")
    return field_.get_attribute("value") if field_.count() else None


def submit(page: Any, selector: str) -> None:
    """Click a form button and wait for the page it brings."""
    with page.expect_navigation():
        page.click(selector)


def answer(page: Any, ruleset: Ruleset, persona: Persona, qid: str) -> None:
    """Tap the option or type the text this persona gives for ``qid``."""
    given = persona.answers.get(qid)
    if given is None:
        given = neutral_answer(ruleset, ruleset.question(qid))
    option = f'button[name=do][value="answer:{qid}:{given}"]'
    if page.locator(option).count():
        submit(page, option)
        return
    page.fill("#answer", given)
    submit(page, "button[name=do][value=send]")


def walk_to_result(page: Any, ruleset: Ruleset, persona: Persona, limit: int = 40) -> list[str]:
    """Answer until the result shows; returns the question ids in the order asked."""
    asked: list[str] = []
    for _ in range(limit):
        if page.locator("[data-status]").count():
            return asked
        qid = question_id(page)
        assert qid is not None, f"neither a question nor a result: {page.content()[:500]}"
        asked.append(qid)
        answer(page, ruleset, persona, qid)
        notice = page.locator(".notice")
        assert not notice.count() or question_id(page) != qid, (
            f"{persona.name}: {qid} not accepted: {notice.first.inner_text()}"
        )
    raise AssertionError(f"{persona.name}: no result after {limit} answers: {asked}")


def hidden_answers(page: Any) -> dict[str, str]:
    """The answers the result page carries in its form (``a.<question>`` fields)."""
    found: dict[str, str] = {}
    for item in page.locator("form[action$='step'] input[type=hidden]").all():
        name = item.get_attribute("name") or ""
        if name.startswith("a."):
            found[name[2:]] = item.get_attribute("value") or ""
    return found


def shown_result(page: Any) -> dict[str, Any]:
    """Status, outcome ids and deadlines as the result page shows them."""
    return {
        "status": page.locator("[data-status]").get_attribute("data-status"),
        "outcomes": [
            item.get_attribute("data-outcome") for item in page.locator("[data-outcome]").all()
        ],
        "deadlines": [
            (item.get_attribute("data-deadline"), item.locator("time").get_attribute("datetime"))
            for item in page.locator("li[data-deadline]").all()
        ],
    }


def core_answers(ruleset: Ruleset, persona: Persona, today: date) -> dict[str, Any]:
    """The answers the same taps and texts give in the core's own interview."""
    state = Interview()
    for _ in range(60):
        question = current_question(state, ruleset, today)
        if question is None:
            return dict(state.answers)
        given = persona.answers.get(question.id) or neutral_answer(ruleset, question)
        if given in ruleset.option_values(question):
            state = give_answer(state, question.id, given)
            continue
        state, error = answer_text(state, given, ruleset, today)
        assert error is None, (persona.name, question.id, error)
    raise AssertionError(f"{persona.name}: the core interview does not end")


class CliResult:
    """``hamroh rules evaluate --json`` for some answers on AS_OF.

    As a real command (``loaded=None``): started in the background at once, since
    loading the ruleset takes seconds and the walk in the browser needs none of it
    meanwhile. With ``loaded``: the same command's code (``bot.cli.main``) in this
    process, given the ruleset already loaded from the same folder — its arguments,
    checks, evaluation and JSON, without loading the rules once more per case.
    """

    def __init__(
        self, answers: dict[str, Any], tmp: Path, locale: str, loaded: Ruleset | None = None
    ) -> None:
        self.answers = answers
        path = tmp / f"answers-{locale}.json"
        path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
        args = ["rules", "evaluate", "--answers", str(path), "--as-of", AS_OF,
                "--lang", locale, "--json", "--rules", str(ROOT / "rules")]  # fmt: skip
        self.process: subprocess.Popen[str] | None = None
        self._json: str | None = None
        if loaded is None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *args],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            return
        out = io.StringIO()
        with (
            mock.patch("bot.cli._load_or_exit", return_value=loaded),
            contextlib.redirect_stdout(out),
        ):
            assert cli.main(args) == 0
        self._json = out.getvalue()

    def shown(self) -> dict[str, Any]:
        """Status, outcome ids and deadlines, in the CLI's order."""
        if self._json is None:
            assert self.process is not None
            self._json, err = self.process.communicate(timeout=180)
            assert self.process.returncode == 0, err
        data = json.loads(self._json)
        return {
            "status": data["status"],
            "outcomes": [o["id"] for o in data["outcomes"]],
            "deadlines": [(d["id"], d["date"]) for d in data["deadlines"]],
        }
