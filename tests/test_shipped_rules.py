"""The shipped ruleset in rules/: it loads cleanly and every YAML rule test passes.

Each case in rules/tests/*.yaml becomes one pytest test, named after the case,
so a failure points at the case and its `file:line`.
"""

from __future__ import annotations

import pytest

from bot.core.rules import check_ruleset
from bot.core.rules.testing import run_rule_test

from .conftest import RULES

RULESET, PROBLEMS = check_ruleset(RULES)
CASES = list(RULESET.tests) if RULESET is not None else []


def test_the_shipped_ruleset_loads_without_errors():
    errors = [str(p) for p in PROBLEMS if not p.warning]
    assert RULESET is not None and not errors, "\n".join(errors)


def test_every_question_is_used_by_some_outcome():
    unused = [str(p) for p in PROBLEMS if p.warning and "never used" in p.reason]
    assert not unused, "\n".join(unused)


def test_there_are_enough_rule_tests():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}:{c.line} {c.case.name}" for c in CASES])
def test_rule_case(case):
    failures = run_rule_test(case, RULESET)
    assert not failures, "\n".join(str(f) for f in failures)


def test_every_outcome_cites_sources_and_review_date():
    assert RULESET is not None
    for outcome in RULESET.outcomes:
        assert outcome.sources, outcome.id
        assert outcome.last_reviewed, outcome.id
        assert outcome.legal_basis.ru, outcome.id


def test_every_deadline_says_which_answer_done_changes():
    """A reminder's "Yes, done" asks that question again; without one the user only
    gets the whole list of answers to pick from."""
    assert RULESET is not None
    used = {d.id for outcome in RULESET.outcomes for d in outcome.deadlines}
    for deadline_id in used:
        kind = RULESET.header.deadlines[deadline_id]
        assert kind.answer is not None and RULESET.has_question(kind.answer), deadline_id
    payments = [k for k, v in RULESET.header.deadlines.items() if v.payment]
    assert payments == ["patent_payment"]


def test_a_2027_deadline_says_in_the_users_language_how_far_it_may_move():
    """Arrival on 28 Dec 2026: the registration term runs into 2027, whose decree is
    not in calendar.yaml; the note names the days. A 2026-only term has no note."""
    from datetime import date

    from bot.core.rules import evaluate, present

    assert RULESET is not None
    answers = {
        "citizenship": "OTHER", "in_russia": "yes", "in_registry": "no",
        "entry_date": "2026-12-28", "days_in_russia_this_year": 0, "purpose": "tourism",
        "region": "other", "document": "none", "registered": "no", "children": "no",
    }  # fmt: skip
    assessment = evaluate(answers, date(2026, 12, 29), RULESET)
    registration = assessment.deadline("registration")
    assert registration is not None and registration.may_move_days == 4
    stay_limit = assessment.deadline("stay_limit")
    assert stay_limit is not None and stay_limit.may_move_days is None  # 90 days: no roll
    moves = {  # the count of days in each language's own form, inside the sentence
        "ru": "сдвинуться самое большее на 4 дня,", "ky": "мөөнөт 4 күнгө чейин жылышы",
        "tg": "метавонад то 4 рӯз тағйир", "uz": "muddat 4 kungacha surilishi",
        "uz_Cyrl": "муддат 4 кунгача сурилиши",
    }  # fmt: skip
    for locale, words in moves.items():
        shown = present(assessment, RULESET, locale)
        note = next(d.note for d in shown.deadlines if d.id == "registration")
        assert note is not None and words in note, (locale, note)
    earlier = evaluate({**answers, "entry_date": "2026-10-05"}, date(2026, 10, 6), RULESET)
    registration = earlier.deadline("registration")
    assert registration is not None and registration.may_move_days is None


def test_outcomes_marked_pending_say_so_and_have_a_review_date():
    assert RULESET is not None
    pending = [o for o in RULESET.outcomes if o.id.startswith("pending_")]
    assert len(pending) >= 3
    for outcome in pending:
        assert outcome.review_by is not None, outcome.id
        assert "не закон" in outcome.title.ru, outcome.id


def test_an_unchecked_registry_leads_the_result_with_the_free_official_check():
    """A lawful patent holder who has not checked the registry is not told 'legal';
    the first outcome shown is how to check, and it names the official service."""
    from datetime import date

    from bot.core.rules import evaluate, present

    assert RULESET is not None
    answers = {
        "citizenship": "TJ", "in_russia": "yes", "in_registry": "unknown",
        "entry_date": "2026-03-02", "purpose": "work", "region": "other", "document": "patent",
        "patent_issue_date": "2026-03-20", "patent_paid_until": "2026-12-19",
        "contract_copy_filed": "yes", "registered": "yes", "biometrics_done": "yes",
        "medical_date": "2026-03-10", "children": "no",
    }  # fmt: skip
    shown = present(evaluate(answers, date(2026, 12, 1), RULESET), RULESET, "ru")
    assert shown.status == "unclear"
    first = shown.outcomes[0]
    assert first.id == "registry_check_unknown"
    assert "бесплатно" in first.title
    assert [c.id for c in first.contacts] == ["mvd_registry_check"]


@pytest.mark.parametrize(
    ("outcome_id", "answers"),
    [
        ("patent_pending", {
            "citizenship": "UZ", "in_russia": "yes", "in_registry": "no",
            "entry_date": "2026-11-20", "purpose": "work", "document": "none",
            "registered": "yes", "biometrics_done": "yes", "medical_date": "2026-11-25",
        }),
        ("eaeu_contract_active", {
            "citizenship": "KG", "in_russia": "yes", "in_registry": "no",
            "entry_date": "2026-10-01", "purpose": "work", "document": "eaeu_contract",
            "contract_end_date": "2027-06-30", "registered": "yes",
        }),
    ],
)  # fmt: skip
def test_the_moscow_centre_is_named_only_to_people_in_moscow(outcome_id, answers):
    """ММЦ «Сахарово» serves Moscow: a person elsewhere is not sent there."""
    from datetime import date

    from bot.core.rules import evaluate, present

    assert RULESET is not None
    for region, shown_there in (("moscow", True), ("other", False), ("moscow_oblast", False)):
        assessment = evaluate({**answers, "region": region}, date(2026, 12, 1), RULESET)
        for locale in ("ru", "ky", "tg", "uz", "uz_Cyrl"):
            outcome = present(assessment, RULESET, locale).outcome(outcome_id)
            assert outcome is not None, (outcome_id, region)
            named = any("Сахарово" in step for step in outcome.steps)
            assert named == shown_there, (outcome_id, region, locale)
