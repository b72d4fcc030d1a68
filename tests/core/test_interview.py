"""The questionnaire as a pure state machine, and understanding typed answers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.answers import (
    ParseError,
    canonical,
    canonical_variants,
    match_option,
    parse_answer,
    parse_date,
)
from bot.core.interview import (
    Interview,
    answer_text,
    back,
    change,
    current_question,
    give_answer,
    is_complete,
    offered_options,
    progress,
)
from bot.core.rules.engine import effective_answers

from .conftest import PATENT_WORKER, d

TODAY = d("2025-06-01")


def ids_asked(state, ruleset):
    """Answer with PATENT_WORKER values until done; return the question ids asked."""
    asked = []
    while (question := current_question(state, ruleset, TODAY)) is not None:
        asked.append(question.id)
        state = give_answer(state, question.id, PATENT_WORKER.get(question.id, "no"))
    return asked, state


def test_the_first_question_is_citizenship(ruleset):
    assert current_question(Interview(), ruleset, TODAY).id == "citizenship"


def test_questions_whose_condition_is_false_are_skipped(ruleset):
    asked, state = ids_asked(Interview(), ruleset)
    assert asked[:4] == ["citizenship", "in_russia", "in_registry", "entry_date"]
    # entry_ban is only for people outside Russia; contract_end_date only for EAEU.
    assert "entry_ban" not in asked and "contract_end_date" not in asked
    assert is_complete(state, ruleset, TODAY)


def test_questions_no_rule_needs_are_not_asked(ruleset):
    # The fixture outcomes never read `amina` or `biometrics_done`.
    asked, _ = ids_asked(Interview(), ruleset)
    assert "amina" not in asked and "biometrics_done" not in asked
    assert "amina" not in ruleset.needed_questions


def test_someone_outside_russia_gets_a_short_interview(ruleset):
    state = give_answer(Interview(), "citizenship", "TJ")
    state = give_answer(state, "in_russia", "no")
    assert (
        current_question(state, ruleset, TODAY) is None
        or current_question(state, ruleset, TODAY).id == "entry_ban"
    )


def test_back_goes_to_the_previous_question_and_keeps_answers(ruleset):
    state = give_answer(Interview(), "citizenship", "UZ")
    state = give_answer(state, "in_russia", "yes")
    assert current_question(state, ruleset, TODAY).id == "in_registry"
    state = back(state, ruleset, TODAY)
    assert current_question(state, ruleset, TODAY).id == "in_russia"
    state = back(state, ruleset, TODAY)
    assert current_question(state, ruleset, TODAY).id == "citizenship"
    state = back(state, ruleset, TODAY)  # at the first question Back stays there
    assert current_question(state, ruleset, TODAY).id == "citizenship"
    assert state.answers == {"citizenship": "UZ", "in_russia": "yes"}


def test_answering_after_back_continues_where_the_user_was(ruleset):
    state = give_answer(Interview(), "citizenship", "UZ")
    state = give_answer(state, "in_russia", "yes")
    state = back(back(state, ruleset, TODAY), ruleset, TODAY)
    state, error = answer_text(state, "Tojikiston", ruleset, TODAY)
    assert error is None
    assert state.answers == {"citizenship": "TJ", "in_russia": "yes"}
    assert current_question(state, ruleset, TODAY).id == "in_registry"


def test_back_from_the_result_shows_the_last_question(ruleset):
    _, done = ids_asked(Interview(), ruleset)
    state = back(done, ruleset, TODAY)
    last = current_question(state, ruleset, TODAY)
    assert last is not None and last.id in done.answers


def test_changing_one_answer_keeps_the_unrelated_ones(ruleset):
    _, done = ids_asked(Interview(), ruleset)
    state = change(done, "entry_date", ruleset, TODAY)
    assert current_question(state, ruleset, TODAY).id == "entry_date"
    state, error = answer_text(state, "01.03.2025", ruleset, TODAY)
    assert error is None
    assert state.answers["entry_date"] == "2025-03-01"
    assert state.answers["patent_paid_until"] == PATENT_WORKER["patent_paid_until"]
    assert is_complete(state, ruleset, TODAY)


def test_a_change_that_opens_new_questions_asks_them(ruleset):
    _, done = ids_asked(Interview(), ruleset)
    state = change(done, "document", ruleset, TODAY)
    state, _ = answer_text(state, "ничего нет", ruleset, TODAY)
    assert state.answers["document"] == "none"
    # The patent answers stay stored; the 90-day question is new for this person.
    assert "patent_paid_until" in state.answers
    assert current_question(state, ruleset, TODAY).id == "days_in_russia_this_year"


def test_change_to_a_question_not_asked_is_ignored(ruleset):
    state = give_answer(Interview(), "citizenship", "UZ")
    assert change(state, "contract_end_date", ruleset, TODAY) == state


def test_progress_counts_the_questions_this_person_gets(ruleset):
    state = give_answer(Interview(), "citizenship", "UZ")
    position, total = progress(state, ruleset, TODAY)
    assert position == 2
    # Questions that depend on the unanswered "in Russia?" still count.
    assert total > 3
    _, done = ids_asked(Interview(), ruleset)
    assert progress(done, ruleset, TODAY)[0] == progress(done, ruleset, TODAY)[1]


def test_progress_starts_high_and_shrinks_as_branches_close(ruleset):
    first = progress(Interview(), ruleset, TODAY)
    assert first[0] == 1 and first[1] >= 8
    outside = give_answer(give_answer(Interview(), "citizenship", "TJ"), "in_russia", "no")
    position, total = progress(outside, ruleset, TODAY)
    assert total <= position + 1  # someone outside Russia has almost nothing left


def test_progress_total_is_the_likely_path_not_every_question(shipped_ruleset):
    """A patent worker walked through: the first total is near the real length and
    the total never grows (the issue: "1/20" for a 14-question interview)."""
    ruleset = shipped_ruleset
    answers = {
        "citizenship": "UZ", "in_russia": "yes", "in_registry": "no",
        "entry_date": "2025-01-10", "purpose": "work", "region": "other",
        "document": "patent", "patent_issue_date": "2025-01-31",
        "patent_paid_until": "2025-06-30", "contract_copy_filed": "yes",
        "registered": "yes", "biometrics_done": "yes", "medical_date": "2025-02-01",
        "children": "no",
    }  # fmt: skip
    state, totals = Interview(), []
    while (question := current_question(state, ruleset, TODAY)) is not None:
        position, total = progress(state, ruleset, TODAY)
        assert position == len(totals) + 1 <= total
        totals.append(total)
        state = give_answer(state, question.id, answers[question.id])
    assert len(totals) == len(answers)
    assert totals == sorted(totals, reverse=True)
    assert totals[0] - len(answers) <= 2 and totals[-1] == len(answers)
    assert totals[0] < len(ruleset.questions)


def test_an_option_only_for_some_citizens_is_neither_shown_nor_understood(shipped_ruleset):
    ruleset = shipped_ruleset
    document = ruleset.question("document")
    base = {"citizenship": "KG", "in_russia": "yes", "in_registry": "no"}
    kyrgyz = offered_options(document, base, ruleset, TODAY)
    assert "eaeu_contract" in kyrgyz and "patent" not in kyrgyz
    uzbek = offered_options(document, {**base, "citizenship": "UZ"}, ruleset, TODAY)
    assert "patent" in uzbek and "eaeu_contract" not in uzbek
    assert offered_options(ruleset.question("region"), base, ruleset, TODAY) == (
        ruleset.option_values(ruleset.question("region"))
    )
    state = Interview(base, pending="document")
    after, error = answer_text(state, "патент", ruleset, TODAY)
    assert after == state and error is not None
    after, error = answer_text(state, "договор", ruleset, TODAY)
    assert error is None and after.answers["document"] == "eaeu_contract"
    number = kyrgyz.index("eaeu_contract") + 1  # a typed number counts the offered buttons
    after, error = answer_text(state, str(number), ruleset, TODAY)
    assert after.answers["document"] == "eaeu_contract"


def test_invalid_input_leaves_the_state_unchanged(ruleset):
    state = give_answer(Interview(), "citizenship", "UZ")
    state = give_answer(state, "in_russia", "yes")
    state = give_answer(state, "in_registry", "no")
    after, error = answer_text(state, "31.02.2025", ruleset, TODAY)
    assert after == state
    assert error == ParseError("no_such_day", {"day": 31, "month": 2, "year": 2025})


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05.02.2025", "2025-02-05"),
        ("5.2.25", "2025-02-05"),
        ("2025-02-05", "2025-02-05"),
        ("5/2/2025", "2025-02-05"),
        ("05 02 2025", "2025-02-05"),
        ("5 февраля 2025", "2025-02-05"),  # ru
        ("5 февраль 2025", "2025-02-05"),  # ky
        ("2025-ж., 5-февраль", "2025-02-05"),  # ky, as CLDR writes it
        ("5 феврал 2025", "2025-02-05"),  # tg / uz_Cyrl
        ("5-fevral, 2025", "2025-02-05"),  # uz
        ("5 fevral 2025", "2025-02-05"),
        ("5 февр. 2025", "2025-02-05"),
        ("5 Feb 2025", "2025-02-05"),
        ("14 сентября 2024", "2024-09-14"),
        ("14 sentyabr 2024", "2024-09-14"),  # common Uzbek spelling
        ("14 сентябр 2024", "2024-09-14"),
        ("1 мая", "2025-05-01"),  # no year: this year
        ("вчера", "2025-05-31"),
        ("кечээ", "2025-05-31"),  # ky yesterday
        ("дирӯз", "2025-05-31"),  # tg
        ("дируз", "2025-05-31"),  # tg typed without special letters
        ("kecha", "2025-05-31"),  # uz
        ("бугун", "2025-06-01"),  # uz_Cyrl today
    ],
)
def test_dates_typed_in_any_usual_form(typed, expected):
    assert parse_date(typed, TODAY) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("31.02.2025", "no_such_day"),
        ("29.02.2025", "no_such_day"),
        ("12.13.2025", "no_such_month"),
        ("когда-то", "not_a_date"),
        ("привет", "not_a_date"),
        ("", "not_a_date"),
        ("1.1.1900", "date_too_early"),
        ("x" * 5000, "not_a_date"),
    ],
)
def test_dates_that_cannot_be_understood_say_why(typed, code):
    result = parse_date(typed, TODAY)
    assert isinstance(result, ParseError) and result.code == code


def test_29_february_of_a_leap_year_is_a_date():
    assert parse_date("29.02.2024", TODAY) == date(2024, 2, 29)


def test_a_past_only_question_rejects_future_dates():
    assert parse_date("02.06.2025", TODAY, "past") == ParseError(
        "date_in_future", {"date": date(2025, 6, 2)}
    )
    assert parse_date("02.06.2025", TODAY, "any") == date(2025, 6, 2)


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "typed",
    [
        "Oʻzbekiston",
        "o'zbekiston",
        "ozbekiston",
        "Ўзбекистон",
        "узбекистон",
        "Узбекистан",
        "узбек",
        "1",
    ],
)
def test_uzbekistan_in_any_script_and_spelling(ruleset, typed):
    assert match_option(ruleset.question("citizenship"), typed, ruleset) == "UZ"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Тоҷикистон", "TJ"),
        ("тожикистон", "TJ"),
        ("ТОДЖИКИСТОН", "TJ"),  # a close misspelling is still understood
        ("таджикистан", "TJ"),
        ("Кыргызстан", "KG"),
        ("Qirgʻiziston", "KG"),
        ("qirgiziston", "KG"),
        ("Қирғизистон", "KG"),
        ("киргизистон", "KG"),
        ("Казакстан", "KZ"),
        ("беларусь", "BY"),
        ("банан", None),
    ],
)
def test_citizenship_matched_forgivingly(ruleset, typed, value):
    assert match_option(ruleset.question("citizenship"), typed, ruleset) == value


def test_one_typed_answer_spells_every_question_at_once(ruleset, monkeypatch):
    """The spellings kept for typed answers do not tell which questions got one."""
    from bot.core import answers

    monkeypatch.setattr(answers, "_SPELLINGS", {})
    assert match_option(ruleset.question("citizenship"), "Тоҷикистон", ruleset) == "TJ"
    spelled = {question_id for _fingerprint, question_id, _v, _n in answers._SPELLINGS}
    with_options = {q.id for q in ruleset.questions if ruleset.option_values(q)}
    assert len(with_options) > 1
    assert spelled == with_options


@pytest.mark.parametrize(
    ("typed", "value"),
    [("да", "yes"), ("Ооба", "yes"), ("ha", "yes"), ("ҳа", "yes"), ("ха", "yes"), ("нет", "no"),
     ("жок", "no"), ("Yoʻq", "no"), ("yoq", "no"), ("йук", "no"), ("не", "no")],
)  # fmt: skip
def test_yes_and_no_in_every_language(ruleset, typed, value):
    assert match_option(ruleset.question("in_russia"), typed, ruleset) == value


def test_i_dont_know_answers_a_date_question(ruleset):
    question = ruleset.question("patent_paid_until")
    for typed in ("не знаю", "Билбейм", "намедонам", "bilmayman", "Билмайман"):
        assert parse_answer(question, typed, ruleset, TODAY) == "unknown"


def test_numbers_and_their_limits(ruleset):
    question = ruleset.question("days_in_russia_this_year")
    assert parse_answer(question, "25", ruleset, TODAY) == 25
    assert parse_answer(question, "0", ruleset, TODAY) == 0
    assert parse_answer(question, "400", ruleset, TODAY) == ParseError(
        "number_too_large", {"max": 366}
    )
    assert parse_answer(question, "много", ruleset, TODAY) == ParseError("not_a_number")


def test_very_long_text_is_refused_politely(ruleset):
    question = ruleset.question("citizenship")
    assert parse_answer(question, "а" * 5000, ruleset, TODAY) == ParseError(
        "too_long", {"limit": 200}
    )


def test_canonical_makes_both_uzbek_scripts_equal():
    assert canonical("Ўзбекистон") == canonical("Oʻzbekiston") == canonical("ozbekiston")
    assert canonical("узбекистон") in canonical_variants("Ўзбекистон")
    assert canonical("Ҳа") == canonical("Ha")


def test_one_state_walks_the_questions_once_per_day(ruleset, monkeypatch):
    """Showing a question asks "which now?", "how far?" and "still current?" of one
    state; the walk over the conditions is done once for all of them."""
    import bot.core.interview as interview

    walks = []
    real = interview.asked_questions
    real_with_counted = interview.asked_and_counted

    def counting(answers, ruleset_, as_of):
        walks.append(as_of)
        return real(answers, ruleset_, as_of)

    def counting_with_counted(answers, ruleset_, as_of):
        walks.append(as_of)
        return real_with_counted(answers, ruleset_, as_of)

    resumed = []
    real_walk_on = interview.walk_on

    def counting_walk_on(answers, ruleset_, as_of, *earlier):
        resumed.append(earlier[0])
        return real_walk_on(answers, ruleset_, as_of, *earlier)

    monkeypatch.setattr(interview, "asked_questions", counting)
    monkeypatch.setattr(interview, "asked_and_counted", counting_with_counted)
    monkeypatch.setattr(interview, "walk_on", counting_walk_on)
    monkeypatch.setattr(interview, "_WALKS", {})  # nobody walked these answers before
    state = give_answer(Interview(), "citizenship", "UZ")
    assert current_question(state, ruleset, TODAY).id == "in_russia"
    back(state, ruleset, TODAY)
    # the answers that count (for the options offered) come from the same walk
    assert state.counted(ruleset, TODAY) == effective_answers(state.answers, ruleset, TODAY)
    assert walks == [TODAY]
    progress(state, ruleset, TODAY)  # the likely path walks ahead with stand-in answers
    ahead = len(walks)
    progress(state, ruleset, TODAY)  # ... once per state and day
    assert len(walks) == ahead
    walks[1:] = []
    assert list(state.asked(ruleset, TODAY)) == real(state.answers, ruleset, TODAY)
    state.asked(ruleset, d("2025-06-02"))  # another day may ask other questions
    assert walks == [TODAY, d("2025-06-02")]
    resumed.clear()
    moved = give_answer(state, "in_russia", "yes")  # a new state walks on from its answer
    current_question(moved, ruleset, TODAY)
    assert len(walks) == 2 and resumed == ["in_russia"]
    assert list(moved.asked(ruleset, TODAY)) == real(moved.answers, ruleset, TODAY)
    assert Interview({"citizenship": "UZ"}) == state  # the cache is not part of equality


def test_states_with_the_same_deciding_answers_share_one_walk(ruleset, monkeypatch):
    """A state loaded again from storage (every update loads one) does not walk the
    questions again when someone already walked the same answers that decide which
    questions are asked; an answer no condition reads changes nothing, one that a
    condition reads walks anew, and every shared walk is the walk of its own answers."""
    import bot.core.interview as interview
    from bot.core.rules.engine import asked_questions

    walks = []

    def counting(answers, ruleset_, as_of):
        walks.append(dict(answers))
        return asked_questions(answers, ruleset_, as_of)

    monkeypatch.setattr(interview, "asked_questions", counting)
    monkeypatch.setattr(interview, "_WALKS", {})
    deciding = interview._deciding_questions(ruleset)
    assert "citizenship" in deciding and "medical_date" not in deciding
    first = Interview({"citizenship": "UZ", "in_russia": "yes"})
    first.asked(ruleset, TODAY)
    again = Interview({"citizenship": "UZ", "in_russia": "yes"})  # loaded again
    again.asked(ruleset, TODAY)
    Interview({"citizenship": "UZ", "in_russia": "yes", "medical_date": "2025-02-01"}).asked(
        ruleset, TODAY
    )
    assert len(walks) == 1
    Interview({"citizenship": "KG", "in_russia": "yes"}).asked(ruleset, TODAY)
    assert len(walks) == 2

    state = Interview()
    while (question := current_question(state, ruleset, TODAY)) is not None:
        for value in [PATENT_WORKER.get(question.id, "no"), *ruleset.option_values(question)]:
            probe = give_answer(state, question.id, value)
            shared = Interview(dict(probe.answers)).asked(ruleset, TODAY)
            assert list(shared) == asked_questions(probe.answers, ruleset, TODAY)
        state = give_answer(state, question.id, PATENT_WORKER.get(question.id, "no"))


def test_the_shared_likely_length_equals_the_walk_for_every_persona_prefix(shipped_ruleset):
    """Shared by deciding answers only: every prefix of every rule-test persona, with
    its other answers present or not, gives what walking ahead gives."""
    from bot.core.interview import _shared_likely_length, likely_length

    ruleset = shipped_ruleset
    for located in ruleset.tests:
        case = located.case
        order = [q.id for q in ruleset.questions if q.id in case.answers]
        for end in range(len(order) + 1):
            answers = {qid: case.answers[qid] for qid in order[:end]}
            walked = likely_length(answers, ruleset, case.as_of)
            assert _shared_likely_length(answers, ruleset, case.as_of) == walked, case.name


def test_a_private_state_walks_for_itself_and_its_answers_count_the_same(ruleset, monkeypatch):
    """The web's states are private: nothing worked out from them goes into the tables
    shared between people, the states made from them stay private, and they ask and
    count exactly what a shared state does."""
    import bot.core.interview as interview

    walks: dict[object, object] = {}
    likely: dict[object, int] = {}
    monkeypatch.setattr(interview, "_WALKS", walks)
    monkeypatch.setattr(interview, "_LIKELY", likely)
    state = Interview(private=True)
    while (question := current_question(state, ruleset, TODAY)) is not None:
        progress(state, ruleset, TODAY)
        state = give_answer(state, question.id, PATENT_WORKER.get(question.id, "no"))
        assert state.private
        asked, counted = state.asked(ruleset, TODAY), state.counted(ruleset, TODAY)
        progress(state, ruleset, TODAY)
        assert walks == {} and likely == {}
        shared = Interview(dict(state.answers))
        assert asked == shared.asked(ruleset, TODAY)
        assert counted == shared.counted(ruleset, TODAY)
        assert walks  # the shared state did use the table
        walks.clear()
        likely.clear()
    assert back(state, ruleset, TODAY).private


def test_forget_empties_the_tables_shared_between_people(ruleset):
    import bot.core.interview as interview

    state = give_answer(Interview(), "citizenship", "UZ")
    progress(state, ruleset, TODAY)
    state.asked(ruleset, TODAY)
    assert interview._WALKS and interview._LIKELY
    interview.forget_shared_tables()
    assert not interview._WALKS and not interview._LIKELY


def test_a_walk_that_goes_on_from_an_answer_equals_a_walk_from_the_start(shipped_ruleset):
    """Every prefix of every rule-test persona, and each value the next question takes
    (and an answer changed half-way): going on from that question gives the whole walk."""
    from bot.core.rules.engine import asked_and_counted, walk_on

    ruleset = shipped_ruleset
    for located in ruleset.tests:
        case = located.case
        order = [q.id for q in ruleset.questions if q.id in case.answers]
        for end in range(len(order) + 1):
            answers = {qid: case.answers[qid] for qid in order[:end]}
            asked, counted = asked_and_counted(answers, ruleset, case.as_of)
            for question in asked:
                values = ruleset.option_values(question) or ["2025-01-01", "2099-01-01", 3]
                for value in values:
                    tried = {**answers, question.id: value}
                    expected = asked_and_counted(tried, ruleset, case.as_of)
                    went_on = walk_on(tried, ruleset, case.as_of, question.id, asked, counted)
                    assert went_on == expected, (case.name, question.id, value)
