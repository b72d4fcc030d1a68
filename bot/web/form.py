"""The person's answers as hidden form fields, and back, re-checked on every request.

Why hidden fields and re-validation (not a session, not a signature): the web keeps
nothing about the person, so the answers must travel with the page, in POST bodies
only (a URL ends up in browser history, proxy logs and the Referer of the next site).
Anything in a form can be edited by whoever sends it, so every answer is passed
through the core's own parser on every request, exactly as if it had been typed: a
forged or stale value is dropped, never evaluated. No server secret is needed, so
any number of mirrors can serve the same person in turn.

Field names: ``a.<question id>`` for each answer, ``q`` for the question the page
showed; the pressed button arrives as ``choice`` (an option value), ``change`` (a
question id), ``lang`` (a locale) or ``do`` (``send``, ``back``, ``why``); typed
input as ``text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.answers import MAX_INPUT, ParseError, parse_answer
from bot.core.interview import Interview
from bot.core.rules import Ruleset

ANSWER_PREFIX = "a."
ACTIONS = frozenset({"send", "back", "why"})
OTHER_FIELDS = frozenset({"q", "choice", "change", "do", "text", "lang"})
MAX_FIELDS = 64
"""More fields than questions and buttons together: not a form we sent."""
MAX_BODY = 8 * 1024
"""Bytes of a POST body: every answer plus a 200-character typed text fits many times."""


@dataclass(frozen=True)
class Submission:
    """One decoded POST: the state it carried and what the person pressed or typed."""

    state: Interview
    shown: str | None
    """The question the page showed (``q``), if it was a question page."""
    choice: str | None = None
    change: str | None = None
    action: str | None = None
    text: str | None = None
    tampered: bool = False
    """Something in the form was not what we sent (dropped); the page says so."""


def stored_text(value: Any) -> str:
    """An answer as it travels in a hidden field (an option value, ISO date or digits)."""
    return str(value)


def hidden_fields(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(name, value)`` pairs for every answer, in a stable order."""
    return [(ANSWER_PREFIX + qid, stored_text(value)) for qid, value in sorted(answers.items())]


def check_answer(question_id: str, raw: str, ruleset: Ruleset, today: date) -> Any:
    """The stored value ``raw`` stands for, or None when it is not a value we send.

    The core parses it as typed input; only a value that parses back to itself is a
    value this server wrote (``"yes "``, ``"да"`` or ``"5.2.25"`` are not).
    """
    if not ruleset.has_question(question_id) or len(raw) > MAX_INPUT:
        return None
    value = parse_answer(ruleset.question(question_id), raw, ruleset, today)
    if isinstance(value, ParseError) or stored_text(value) != raw:
        return None
    return value


def _single(items: Iterable[tuple[str, str]]) -> tuple[dict[str, str], bool]:
    """Fields by name; a name sent twice is not a form we sent."""
    fields: dict[str, str] = {}
    repeated = False
    for name, value in items:
        if name in fields:
            repeated = True
            continue
        fields[name] = value
    return fields, repeated


def decode(items: Iterable[tuple[str, str]], ruleset: Ruleset, today: date) -> Submission:
    """Read a POSTed form; anything we did not send is dropped and marks it tampered."""
    fields, tampered = _single(items)
    if len(fields) > MAX_FIELDS:
        return Submission(Interview(), None, tampered=True)
    answers: dict[str, Any] = {}
    for name, raw in fields.items():
        if name.startswith(ANSWER_PREFIX):
            value = check_answer(name[len(ANSWER_PREFIX) :], raw, ruleset, today)
            if value is None:
                tampered = True
            else:
                answers[name[len(ANSWER_PREFIX) :]] = value
        elif name not in OTHER_FIELDS:
            tampered = True

    def known_question(name: str) -> str | None:
        nonlocal tampered
        value = fields.get(name)
        if value is None or value == "":
            return None
        if not ruleset.has_question(value):
            tampered = True
            return None
        return value

    shown = known_question("q")
    change = known_question("change")
    action = fields.get("do") or None
    if action is not None and action not in ACTIONS:
        tampered, action = True, None
    choice = fields.get("choice") or None
    if choice is not None and len(choice) > MAX_INPUT:
        tampered, choice = True, None
    text = fields.get("text")
    return Submission(
        state=Interview(answers=answers, pending=shown),
        shown=shown,
        choice=choice,
        change=change,
        action=action,
        text=text,
        tampered=tampered,
    )
