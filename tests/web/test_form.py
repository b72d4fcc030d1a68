"""The hidden form state: every answer goes out as the app writes it and comes back
only if the core reads it as exactly that value."""

from __future__ import annotations

from datetime import date

from bot.app.screens import Answer, Back
from bot.core.interview import Interview
from bot.core.rules import Ruleset
from bot.web.form import decode, hidden_fields
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
