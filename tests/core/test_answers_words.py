"""Words typed instead of tapping: "no" on the medical question, "back" in any locale,
and what the interview says back after a typed date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.answers import ParseError, is_back, parse_answer
from bot.core.interview import Interview, current_question, give_answer, take_text
from bot.i18n import LOCALES, gettext

from .conftest import PATENT_WORKER

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    "typed",
    [
        "нет", "Нет", "не проходил", "не проходила", "ещё не проходил", "пока нет",
        "жок", "али жок", "өткөн жокмун", "откон жокмун",
        "не", "нагузаштаам", "ҳанӯз не",
        "yoʻq", "yo'q", "hali yoʻq", "oʻtmaganman", "otmaganman",
        "йўқ", "ҳали йўқ", "ўтмаганман",
    ],
)  # fmt: skip
def test_no_on_the_medical_question_picks_not_done(ruleset, typed):
    question = ruleset.question("medical_date")
    assert parse_answer(question, typed, ruleset, TODAY) == "none"


@pytest.mark.parametrize(
    "typed", ["не знаю", "не помню", "билбейм", "намедонам", "bilmayman", "билмайман"]
)
def test_i_do_not_know_on_the_medical_question_is_unknown(ruleset, typed):
    assert parse_answer(ruleset.question("medical_date"), typed, ruleset, TODAY) == "unknown"


def test_no_still_means_no_where_the_question_has_a_no(ruleset):
    assert parse_answer(ruleset.question("in_russia"), "нет", ruleset, TODAY) == "no"


def test_a_medical_date_is_still_a_date(ruleset):
    assert parse_answer(ruleset.question("medical_date"), "20.11", ruleset, TODAY) == "2026-11-20"


@pytest.mark.parametrize(
    "typed",
    ["назад", "Назад", "артка", "Артка", "бозгашт", "ба қафо", "orqaga", "Orqaga", "орқага", "оркага", "back"],
)  # fmt: skip
def test_the_word_for_back_in_every_locale(typed):
    assert is_back(typed)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_back_buttons_label_typed_is_back(locale):
    assert is_back(gettext(locale)("Back"))


@pytest.mark.parametrize("typed", ["3 недели назад", "назад 3", "не назад", "20.11"])
def test_back_only_when_that_is_all_the_message_says(typed):
    assert not is_back(typed)


def _at_entry_date(ruleset):
    state = Interview()
    for qid in ("citizenship", "in_russia", "in_registry"):
        state = give_answer(state, qid, PATENT_WORKER[qid])
    assert current_question(state, ruleset, TODAY).id == "entry_date"
    return state


@pytest.mark.parametrize("word", ["назад", "артка", "бозгашт", "orqaga", "орқага"])
def test_typing_back_shows_the_previous_question(ruleset, word):
    state = _at_entry_date(ruleset)
    typed = take_text(state, word, ruleset, TODAY)
    assert typed.went_back and typed.error is None
    assert current_question(typed.state, ruleset, TODAY).id == "in_registry"
    assert typed.state.answers == state.answers


def test_a_typed_date_comes_back_as_the_date_understood(ruleset):
    typed = take_text(_at_entry_date(ruleset), "20.11", ruleset, TODAY)
    assert typed.error is None and typed.question.id == "entry_date"
    assert typed.understood_date == date(2026, 11, 20)
    assert typed.state.answers["entry_date"] == "2026-11-20"


def test_a_date_in_the_future_for_a_past_question_is_refused_and_nothing_changes(ruleset):
    state = _at_entry_date(ruleset)
    typed = take_text(state, "завтра", ruleset, TODAY)
    assert typed.state == state and typed.error is not None
    assert typed.error.code == "date_in_future" and typed.understood_date is None


def test_an_option_typed_on_a_date_question_has_no_understood_date(ruleset):
    typed = take_text(_at_entry_date(ruleset), "не знаю", ruleset, TODAY)
    assert typed.value == "unknown" and typed.understood_date is None


@pytest.mark.parametrize("typed", ["x" * 5000, "😀", "🇺🇿🇺🇿", "\u0000", "<b>1</b>", "20.11" * 1000])
def test_bad_input_never_crashes_and_never_changes_the_answers(ruleset, typed):
    state = _at_entry_date(ruleset)
    result = take_text(state, typed, ruleset, TODAY)
    assert result.state == state and result.error is not None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("25", 25), (" 25 ", 25), ("25 дней", 25), ("1 день", 1), ("25 күн", 25), ("25 рӯз", 25),
     ("25 kun", 25), ("25 кун", 25), ("0", 0), ("1 000", None), ("25 недель", None),
     ("двадцать", None), ("25,5", None), ("-3", None), ("9" * 5000, None)],
)  # fmt: skip
def test_a_count_of_days_with_or_without_the_word_day(ruleset, typed, expected):
    question = ruleset.question("days_in_russia_this_year")
    result = parse_answer(question, typed, ruleset, TODAY)
    if expected is None:
        assert not isinstance(result, int), result
    else:
        assert result == expected


ODD_DIGITS = ["²", "³", "¹²", "1²", "①", "²⁰²⁵", "1.².2025", "² марта 2025", "10.01.2025²",
              "²⁰ дней", "⁵ күн"]  # fmt: skip
"""``str.isdigit()`` is true for these, but ``int()`` cannot read them."""


@pytest.mark.parametrize("typed", ODD_DIGITS)
@pytest.mark.parametrize(
    "question_id", ["citizenship", "in_russia", "entry_date", "days_in_russia_this_year"]
)
def test_superscript_and_circled_digits_are_not_an_answer_and_not_a_crash(
    ruleset, question_id, typed
):
    result = parse_answer(ruleset.question(question_id), typed, ruleset, TODAY)
    assert isinstance(result, ParseError), result


@pytest.mark.parametrize(
    ("typed", "expected"), [("١٠.٠١.٢٠٢٥", "2025-01-10"), ("１０.０１.２０２５", "2025-01-10")]
)
def test_digits_of_other_scripts_are_read_as_digits(ruleset, typed, expected):
    assert parse_answer(ruleset.question("entry_date"), typed, ruleset, TODAY) == expected
