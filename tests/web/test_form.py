"""The hidden form state: every answer goes out as the app writes it and comes back
only if the core reads it as exactly that value."""

from __future__ import annotations

import random
from datetime import date
from urllib.parse import parse_qsl

from bot.app.screens import Answer, Back
from bot.core.interview import Interview
from bot.core.rules import Ruleset
from bot.web.form import MAX_FIELDS, decode, hidden_fields, read_fields
from bot.web.pages import root_of

TODAY = date(2026, 6, 15)


def test_answers_make_the_round_trip_through_hidden_fields(shipped_ruleset: Ruleset) -> None:
    answers = {
        "citizenship": "UZ", "in_russia": "yes", "entry_date": "2026-01-10",
        "days_in_russia_this_year": 12, "patent_paid_until": "unknown",
    }  # fmt: skip
    state = Interview(answers, pending="entry_date")
    sub = decode(hidden_fields(state), shipped_ruleset, TODAY)
    assert not sub.tampered
    assert dict(sub.state.answers) == answers
    assert sub.state.pending == "entry_date"
    assert isinstance(sub.state.answers["days_in_russia_this_year"], int)


def test_a_value_the_server_would_not_write_is_dropped(shipped_ruleset: Ruleset) -> None:
    for name, value in [
        ("a.citizenship", "uz"),  # the core would understand it, but we never write it so
        ("a.in_russia", "да"),
        ("a.entry_date", "2026-1-10"),
        ("a.entry_date", "2027-01-10"),  # in the future: entry dates are in the past
        ("a.days_in_russia_this_year", "012"),
        ("a.days_in_russia_this_year", "400"),
        ("a.unknown_question", "yes"),
        ("pending", "no_such_question"),
        ("evil", "1"),
    ]:
        sub = decode([(name, value), ("a.region", "moscow")], shipped_ruleset, TODAY)
        assert sub.tampered, (name, value)
        assert dict(sub.state.answers) == {"region": "moscow"}


def test_the_buttons_are_read_as_the_apps_actions(shipped_ruleset: Ruleset) -> None:
    sub = decode(
        [("a.citizenship", "KG"), ("q", "in_russia"), ("do", "answer:in_russia:yes"),
         ("text", "")],
        shipped_ruleset, TODAY,
    )  # fmt: skip
    assert (sub.shown, sub.action, sub.tampered) == ("in_russia", Answer("in_russia", "yes"), False)
    assert decode([("do", "back")], shipped_ruleset, TODAY).action == Back()
    send = decode([("do", "send"), ("text", "5.2.2026")], shipped_ruleset, TODAY)
    assert (send.action, send.text, send.tampered) == (None, "5.2.2026", False)
    assert decode([("do", "launch")], shipped_ruleset, TODAY).tampered
    assert decode([("q", "no_such")], shipped_ruleset, TODAY).tampered
    assert decode([("q", "region"), ("q", "region")], shipped_ruleset, TODAY).tampered
    assert decode([(f"f{n}", "") for n in range(100)], shipped_ruleset, TODAY).tampered


def test_links_are_relative_to_the_page() -> None:
    assert [root_of(p) for p in ("/", "/ru", "/ru/", "/ru/step", "/a/b/c")] == [
        "./", "./", "../", "../", "../../",
    ]  # fmt: skip


def test_the_strict_reader_agrees_with_the_apps_form_state(shipped_ruleset: Ruleset) -> None:
    """For every value a form of ours holds, the web reads what FormState reads."""
    from bot.app.state import FormState
    from bot.web.form import read_state

    for question in shipped_ruleset.questions:
        samples = list(shipped_ruleset.option_values(question))
        if question.type == "date":
            samples += ["2026-01-10", "2026-06-15", "2025-12-31"]
        if question.type == "integer":
            samples += ["0", "45", str(question.max or 90)]
        for text in samples:
            form = FormState({question.id: text}, question.id)
            ours, tampered = read_state(form.answers, form.pending, shipped_ruleset, TODAY)
            assert ours == form.interview(shipped_ruleset, TODAY), (question.id, text)
            assert not tampered


def _parsed(body: str) -> object:
    """What ``parse_qsl`` made of the body as our forms are read, or its error's type."""
    try:
        return parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except ValueError as error:
        return type(error)


def _read(body: str) -> object:
    try:
        return read_fields(body)
    except ValueError as error:
        return type(error)


BODIES = [
    "", "&", "&&a=1&", "a", "a=", "=", "=b", "a=b=c", "a+b=c+d", "a%20b=%2B%26%3D",
    "do=answer%3Achildren%3Ano&q=children", "text=%D0%9C%D0%B0%D0%BC%D0%B0",
    "text=%D0%9C%D0", "text=%ZZ", "text=%", "t=%E2%82%AC+%41", "x=\u0434\u0430",
    "&".join(f"f{i}=v" for i in range(MAX_FIELDS)),
    "&".join(f"f{i}=v" for i in range(MAX_FIELDS + 1)),
    "&" * (MAX_FIELDS - 1), "&" * MAX_FIELDS,
]  # fmt: skip


def test_a_body_is_read_into_exactly_the_fields_parse_qsl_reads() -> None:
    """The form reader (faster than ``parse_qsl``) gives the same fields, and the same
    refusal (a ``ValueError``: bad UTF-8 in an escape, too many fields), for forms we
    send, forms we do not, and random strings of the characters that matter."""
    rng = random.Random(13)
    alphabet = "ab=&+%2AzD0\u0434"
    bodies = BODIES + ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(3000)]
    for body in bodies:
        assert _read(body) == _parsed(body), body
