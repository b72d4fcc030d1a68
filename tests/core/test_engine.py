"""evaluate(answers, as_of, ruleset): statuses, deadlines, explanations, purity."""

from __future__ import annotations

from bot.core.rules import evaluate, present
from bot.core.rules.engine import effective_answers
from bot.core.rules.testing import run_rule_tests

from .conftest import PATENT_WORKER, VISITOR, d


def test_fixture_rule_tests_pass(ruleset):
    count, problems = run_rule_tests(ruleset)
    assert count == 2
    assert problems == []


def test_patent_paid_until_today_is_valid_and_until_yesterday_lapsed(ruleset):
    today = evaluate(PATENT_WORKER, d("2025-06-30"), ruleset)
    assert today.status == "legal"
    assert today.outcome_ids == ["patent_valid"]
    next_day = evaluate(PATENT_WORKER, d("2025-07-01"), ruleset)
    assert next_day.status == "irregular"
    assert next_day.outcome_ids == ["patent_lapsed"]


def test_31_january_plus_two_months_and_the_reissue_deadline(ruleset):
    result = evaluate(PATENT_WORKER, d("2025-03-01"), ruleset)
    assert result.deadline("contract_copy").date == d("2025-03-31")
    # 12 months end on 30 Jan 2026; ten working days earlier, skipping 1-11 January.
    assert result.deadline("patent_reissue").date == d("2026-01-16")
    assert result.deadline("patent_payment").remind_days_before == (7, 3, 1, 0)


def test_31_january_plus_one_month_uses_the_last_day_of_february(ruleset):
    answers = {**PATENT_WORKER, "patent_issue_date": "2024-12-31"}
    result = evaluate(answers, d("2025-01-15"), ruleset)
    # 31 Dec + 2 months: no 31 February, so 28 February 2025 (a Friday, a working day).
    assert result.deadline("contract_copy").date == d("2025-02-28")


def test_29_february_issue_date(ruleset):
    answers = {
        **PATENT_WORKER,
        "patent_issue_date": "2024-02-29",
        "patent_paid_until": "2025-01-31",
    }
    result = evaluate(answers, d("2025-01-15"), ruleset)
    # 29 Feb + 2 months = 29 April 2024 (Monday).
    assert result.deadline("contract_copy").date == d("2024-04-29")
    # A paid period runs to the day before the same date; 29 February 2025 does
    # not exist, so the 12 months end the day before 1 March: 28 February 2025.
    year_end = result.values["patent_year_end"]
    assert year_end == d("2025-02-28")
    # Ten working days before Fri 28 Feb: 27,26,25,24,21,20,19,18,17,14 Feb.
    assert result.deadline("patent_reissue").date == d("2025-02-14")


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day(ruleset):
    # Uzbek citizen: 15 calendar days. Entry 28 May 2025 → 12 June (Russia Day,
    # holidays 12-15 June) → Monday 16 June.
    answers = {**PATENT_WORKER, "entry_date": "2025-05-28", "registered": "no"}
    result = evaluate(answers, d("2025-06-01"), ruleset)
    assert result.deadline("registration").date == d("2025-06-16")


def test_seven_working_days_for_other_citizens(ruleset):
    answers = {**VISITOR, "entry_date": "2025-04-28", "registered": "no"}
    result = evaluate(answers, d("2025-04-29"), ruleset)
    assert result.deadline("registration").date == d("2025-05-13")
    assert "register_by" in result.outcome_ids
    assert result.status == "action_needed"


def test_day_90_is_lawful_and_day_91_is_not(ruleset):
    day_90 = evaluate(VISITOR, d("2025-03-31"), ruleset)
    assert day_90.status == "legal"
    assert day_90.deadline("stay_limit").date == d("2025-03-31")
    assert day_90.values["days_used"] == 90
    day_91 = evaluate(VISITOR, d("2025-04-01"), ruleset)
    assert day_91.status == "irregular"
    assert day_91.outcome_ids == ["overstay"]


def test_earlier_trips_this_year_shorten_the_stay(ruleset):
    answers = {**VISITOR, "entry_date": "2025-03-01", "days_in_russia_this_year": 60}
    result = evaluate(answers, d("2025-03-10"), ruleset)
    assert result.deadline("stay_limit").date == d("2025-03-30")


def test_info_outcomes_do_not_change_the_status(ruleset):
    answers = {**PATENT_WORKER, "in_registry": "unknown"}
    result = evaluate(answers, d("2025-06-01"), ruleset)
    assert set(result.outcome_ids) == {"patent_valid", "check_registry"}
    assert result.status == "legal"


def test_no_outcome_means_unclear(ruleset):
    result = evaluate({"citizenship": "UZ", "in_russia": "no"}, d("2025-06-01"), ruleset)
    assert result.outcomes == ()
    assert result.status == "unclear"


def test_valid_until_switches_an_outcome_off(ruleset):
    answers = {**PATENT_WORKER, "in_registry": "unknown"}
    assert "check_registry" in evaluate(answers, d("2030-12-31"), ruleset).outcome_ids
    assert "check_registry" not in evaluate(answers, d("2031-01-01"), ruleset).outcome_ids


def test_answers_to_questions_no_longer_asked_do_not_count(ruleset):
    # Someone first said "patent", then changed to "none": patent dates stay stored
    # but must not make a patent outcome fire.
    answers = {**VISITOR, "patent_issue_date": "2025-01-31", "patent_paid_until": "2025-06-30"}
    counted = effective_answers(answers, ruleset, d("2025-02-01"))
    assert "patent_paid_until" not in counted
    assert evaluate(answers, d("2025-02-01"), ruleset).outcome_ids == ["visitor_within_limit"]


def test_evaluation_is_pure_and_replayable(ruleset):
    first = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    second = evaluate(dict(PATENT_WORKER), d("2025-06-01"), ruleset)
    assert first == second
    assert first.ruleset_version == ruleset.version
    assert first.as_of == d("2025-06-01")


def test_unknown_answers_do_not_crash_or_count_as_rule_errors(ruleset):
    answers = {**PATENT_WORKER, "patent_paid_until": "unknown", "medical_date": "unknown"}
    result = evaluate(answers, d("2025-06-01"), ruleset)
    assert result.errors == ()
    assert "patent_valid" not in result.outcome_ids


def test_explanation_names_the_answers_in_the_users_language(ruleset):
    result = evaluate(PATENT_WORKER, d("2025-06-01"), ruleset)
    russian = present(result, ruleset, "ru")
    assert list(russian.explanation[0].because) == [
        "У вас патент от 31 января 2025\u202fг.",  # «г.» and the sentence's period merge
        "Он оплачен до 30 июня 2025\u202fг.",
    ]
    answers = {a.question: a.answer for a in russian.explanation[0].answers}
    assert answers["document"] == "Патент"
    uzbek = present(result, ruleset, "uz")
    assert "2025" in uzbek.explanation[0].because[1]
    assert "toʻlangan" in uzbek.explanation[0].because[1]
    kyrgyz = present(result, ruleset, "ky")
    assert kyrgyz.outcomes[0].title == "Патент жарактуу"


def test_presented_result_has_everything_a_user_must_see(ruleset):
    result = evaluate({**VISITOR}, d("2025-02-01"), ruleset)
    shown = present(result, ruleset, "tg")
    assert shown.status == "legal"
    assert (
        shown.disclaimer and shown.content_reviewed == ruleset.header.content_reviewed.isoformat()
    )
    outcome = shown.outcomes[0]
    assert outcome.legal_basis and outcome.sources[0].url.startswith("http")
    assert outcome.last_reviewed == "2026-11-25"
    assert outcome.uncertain is not None and outcome.uncertain.startswith(
        ruleset.header.uncertain_note.tg
    )
    assert shown.deadlines[0].id == "stay_limit"
    assert shown.deadlines[0].date == "2025-03-31"


def test_results_show_the_most_severe_outcome_first_and_advice_last(ruleset):
    answers = {
        **PATENT_WORKER,
        "in_registry": "unknown",
        "registered": "no",
        "entry_date": "2025-05-28",
    }
    result = evaluate(answers, d("2025-06-01"), ruleset)
    shown = present(result, ruleset, "ru")
    statuses = [o.status for o in shown.outcomes]
    assert statuses == ["action_needed", "legal", "info"]


def test_contacts_for_one_citizenship_are_shown_only_to_its_citizens(ruleset):
    from bot.core.rules.present import serves

    assert serves(["KG"], "KG") and not serves(["KG"], "UZ")
    assert serves(["KG"], None) and serves(None, "UZ")


def test_guards_only_short_cut_plain_conjunctions():
    from bot.core.rules.expressions import guards_of

    assert [g.name for g in guards_of("document == 'patent' && f(x) && is_date(d) && ok")] == [
        "document",
        "d",
        "ok",
    ]
    assert guards_of("a == 'x' || b == 'y' && c == 'z'") == ()  # && binds tighter than ||
    assert guards_of("flag ? a == 'x' : b == 'y'") == ()
    values = {"document": "none", "d": None, "ok": True}
    (document, d, ok) = guards_of("document != 'patent' && is_date(d) && !ok")
    assert document.holds(values) and not d.holds(values) and not ok.holds(values)


def test_lazy_and_eager_evaluation_agree_on_every_rule_case(shipped_ruleset):
    for test in shipped_ruleset.tests:
        case = test.case
        lazy = evaluate(case.answers, case.as_of, shipped_ruleset)
        eager = evaluate(case.answers, case.as_of, shipped_ruleset, eager=True)
        assert (lazy.status, lazy.outcome_ids, lazy.deadlines) == (
            eager.status,
            eager.outcome_ids,
            eager.deadlines,
        ), case.name


def test_a_deadline_beyond_the_official_calendar_says_it_may_move(ruleset):
    """Only a term counted in working days over a year without a decree may move,
    and the note says by how much; a paid-until date never moves."""
    answers = {
        **PATENT_WORKER, "document": "none", "registered": "no",
        "citizenship": "OTHER", "entry_date": "2026-12-28",
    }  # fmt: skip
    shown = present(evaluate(answers, d("2026-12-29"), ruleset), ruleset, "ru")
    registration = next(x for x in shown.deadlines if x.id == "registration")
    assert registration.date == "2027-01-15"  # 7 working days, New Year holidays skipped
    assert registration.may_move_days == 4
    assert registration.note is not None and "самое большее на 4 дня," in registration.note
    paid = {**PATENT_WORKER, "patent_paid_until": "2027-01-10"}
    shown = present(evaluate(paid, d("2026-12-20"), ruleset), ruleset, "ru")
    payment = next(x for x in shown.deadlines if x.id == "patent_payment")
    assert payment.note is None and payment.may_move_days is None
    earlier = present(evaluate(PATENT_WORKER, d("2025-06-01"), ruleset), ruleset, "ru")
    assert all(x.note is None for x in earlier.deadlines)
