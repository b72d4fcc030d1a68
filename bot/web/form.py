"""The person's answers as hidden form fields, and back, re-checked on every request.

Why hidden fields and re-validation (not a session, not a signature): the web keeps
nothing about the person, so the state must travel with the page, in POST bodies
only (a URL ends up in browser history, proxy logs and the Referer of the next site).
Anything in a form can be edited by whoever sends it, so every answer is read back
through the core's own parsers on every request (:func:`stored_value`), accepting only
the exact text :class:`bot.app.state.FormState` writes; anything else is dropped and
the page says "this button is out of date" instead of silently carrying on. No
server secret is needed, so any number of mirrors can serve the same person in turn.

Fields: ``a.<question id>`` for each answer (as :class:`FormState` writes it),
``pending`` for the question the person went back to or chose to change, ``q`` for
the question a page shows (a typed answer is for that question only). The pressed
button arrives as ``do``: an action key of :func:`bot.app.screens.action_key`
(``answer:region:spb``, ``back``, ``why:region``, ``change:region``,
``language:ky``, ``calendar``, ``timeline``) or ``send`` for typed input in ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.app.screens import Action, parse_action_key
from bot.app.state import FormState, encode_value
from bot.core.answers import MAX_INPUT, ParseError, parse_integer, parse_iso_date
from bot.core.interview import Interview
from bot.core.rules import Ruleset
from bot.core.rules.model import Question

ANSWER_PREFIX = "a."
SEND = "send"
OTHER_FIELDS = frozenset({"pending", "q", "do", "text"})
MAX_FIELDS = 64
"""More fields than questions and buttons together: not a form we sent."""
MAX_BODY = 8 * 1024
"""Bytes of a POST body: every answer plus a 200-character typed text fits many times."""


@dataclass(frozen=True)
class Submission:
    """One decoded POST: the state it carried and what the person pressed or typed."""

    state: Interview
    shown: str | None = None
    """The question the page showed (``q``), on question pages."""
    action: Action | None = None
    """The button pressed, when it was an action (not ``send``)."""
    text: str | None = None
    """Typed input, when the page had a text field."""
    tampered: bool = False
    """Something in the form was not what we sent (dropped); the page says so."""


def hidden_fields(state: Interview) -> list[tuple[str, str]]:
    """``(name, value)`` for every answer and the pending question, in a stable order."""
    form = FormState.of(state)
    fields = [(ANSWER_PREFIX + qid, value) for qid, value in sorted(form.answers.items())]
    if form.pending is not None:
        fields.append(("pending", form.pending))
    return fields


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


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def stored_value(question: Question, text: str, ruleset: Ruleset, today: date) -> Any:
    """The answer ``text`` stands for if it is exactly what we write, else None.

    The same values :meth:`FormState.interview` reads (an option value, an ISO date
    the core's date parser accepts for this question on ``today``, the digits of a
    number in the question's range), but only in the one spelling we write: ``"да"``,
    ``"5.2.25"`` or ``"012"`` may be understood when typed, but no form of ours holds
    them. Why not ``parse_answer``: it first tries every option label in every locale
    (forgiving input), which is most of a request's time and pointless here.
    """
    if len(text) > MAX_INPUT:
        return None
    if ruleset.is_option(question, text):
        return text
    value: Any = None
    if question.type == "date" and ISO_DATE.fullmatch(text):
        value = parse_iso_date(text, today, question.dates)
    elif question.type == "integer" and text.isdecimal():
        value = parse_integer(question, text)
    if isinstance(value, ParseError) or value is None or encode_value(value) != text:
        return None
    return text if question.type == "date" else value


def read_state(
    answers: dict[str, str], pending: str | None, ruleset: Ruleset, today: date
) -> tuple[Interview, bool]:
    """The interview the fields stand for, and whether any of them was not ours."""
    kept: dict[str, Any] = {}
    for qid, text in answers.items():
        if ruleset.has_question(qid):
            value = stored_value(ruleset.question(qid), text, ruleset, today)
            if value is not None:
                kept[qid] = value
    known = pending if pending is not None and ruleset.has_question(pending) else None
    return Interview(kept, known, private=True), len(kept) != len(answers) or known != pending


def decode(items: Iterable[tuple[str, str]], ruleset: Ruleset, today: date) -> Submission:
    """Read a POSTed form; anything we did not send is dropped and marks it tampered."""
    fields, tampered = _single(items)
    if len(fields) > MAX_FIELDS:
        return Submission(Interview(private=True), tampered=True)
    answers = {
        name[len(ANSWER_PREFIX) :]: value
        for name, value in fields.items()
        if name.startswith(ANSWER_PREFIX)
    }
    if any(not name.startswith(ANSWER_PREFIX) and name not in OTHER_FIELDS for name in fields):
        tampered = True
    state, forged = read_state(answers, fields.get("pending") or None, ruleset, today)
    tampered = tampered or forged
    shown = fields.get("q") or None
    if shown is not None and not ruleset.has_question(shown):
        tampered, shown = True, None
    key = fields.get("do") or None
    action: Action | None = None
    if key is not None and key != SEND:
        action = parse_action_key(key) if len(key) <= MAX_INPUT else None
        tampered = tampered or action is None
    return Submission(state, shown, action, fields.get("text"), tampered)
