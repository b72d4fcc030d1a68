"""The result card, decided in the core: short, overdue first, the same in every locale.

Every persona of the shipped rule tests (rules/tests/*.yaml) is drawn in all five
locales with the real catalogs: what a person would read first on a phone.
"""

from __future__ import annotations

from datetime import date

import pytest

import bot.core.card as card_module
from bot.core.card import MAX_VISIBLE, build_card, build_official_sheet
from bot.core.locales import LOCALES
from bot.core.rules import Ruleset, evaluate, present
from bot.core.rules.engine import DeadlineDate
from bot.core.rules.present import deadline_notes, format_day
from bot.core.wording import days_count
from bot.i18n import gettext

from .conftest import d


def _personas(ruleset: Ruleset):
    for located in ruleset.tests:
        case = located.case
        yield case.name, evaluate(case.answers, case.as_of, ruleset)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_persona_gets_a_card_that_fits_a_phone_screen(shipped_ruleset, locale):
    _ = gettext(locale)
    seen = 0
    for name, assessment in _personas(shipped_ruleset):
        card = build_card(assessment, shipped_ruleset, locale, _)
        text = card.text()
        assert len(text) == card.visible_length() <= MAX_VISIBLE, (name, len(text))
        lines = card.lines()
        assert lines[0].kind == "status" and "\n" not in lines[0].text, name
        if assessment.status != "legal":  # something to do: an item, or the status says it
            assert card.actions or card.next_deadlines or card.summary, name
        assert len(card.actions) <= 3 and len(card.next_deadlines) <= 3, name
        assert (
            lines[-1].kind == "disclaimer"
            and _("A likely status from your answers, not legal advice.") in lines[-1].text
        )
        assert format_day(assessment.as_of, locale) in lines[-1].text
        assert "{" not in text and "}" not in text, name  # every placeholder filled
        if locale != "ru":
            assert gettext("ru")("What to do first") not in text
        seen += 1
    assert seen >= 80  # the rule tests' personas, not a handful


@pytest.mark.parametrize("locale", LOCALES)
def test_a_card_made_from_the_presented_result_is_the_same_card(shipped_ruleset, locale):
    """A full result hands the card its presentation (titles, dates and notes worded
    once); the card must be the one it makes from the assessment alone."""
    _ = gettext(locale)
    for name, assessment in _personas(shipped_ruleset):
        shown = present(assessment, shipped_ruleset, locale)
        with_shown = build_card(assessment, shipped_ruleset, locale, _, shown)
        alone = build_card(assessment, shipped_ruleset, locale, _)
        assert with_shown == alone and with_shown.lines() == alone.lines(), name


def test_an_overdue_deadline_leads_and_the_status_never_reads_calm_above_it(shipped_ruleset):
    """The issue: "most likely all is in order" above a registration deadline that has
    passed. Every persona with an outcome marked overdue, in every locale."""
    late_personas = 0
    for name, assessment in _personas(shipped_ruleset):
        if not any(f.outcome.overdue for f in assessment.outcomes):
            continue
        late_personas += 1
        for locale in LOCALES:
            _ = gettext(locale)
            card = build_card(assessment, shipped_ruleset, locale, _)
            assert card.actions[0].overdue, (name, locale)
            items = [line for line in card.lines() if line.kind == "item"]
            assert items[0].text.startswith("⚠️"), (name, locale)
            calm = shipped_ruleset.header.statuses["action_needed"]
            assert calm.summary.get(locale) not in card.text(), (name, locale)
            assert calm.title.get(locale) not in card.headline, (name, locale)
            if assessment.status == "action_needed":
                assert _("A deadline has already passed: act now") in card.headline
    assert late_personas >= 8


def test_registration_one_day_late(shipped_ruleset):
    case = next(
        t.case for t in shipped_ruleset.tests if "one day after the registration" in t.case.name
    )
    assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
    card = build_card(assessment, shipped_ruleset, "ru", gettext("ru"))
    lines = card.text().splitlines()
    assert lines[0] == "❗ Срок уже прошёл: действуйте сейчас"
    late = shipped_ruleset.outcomes[
        [o.id for o in shipped_ruleset.outcomes].index("registration_late")
    ].title.ru
    assert lines[3] == f"⚠️ {late}"  # status, blank line, heading, then the late registration
    stay = format_day(date(2025, 8, 25), "ru")  # 69 days on: a next deadline, not an action
    assert f"📅 {stay} — Последний законный день (90 дней в году)" in lines


def test_actions_carry_their_dates_and_later_deadlines_are_listed_apart(shipped_ruleset):
    case = next(t.case for t in shipped_ruleset.tests if t.case.name.startswith("Persona 1:"))
    assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
    card = build_card(assessment, shipped_ruleset, "uz", gettext("uz"))
    assert [item.deadline_id for item in card.actions] == ["patent_payment"]
    assert [item.deadline_id for item in card.next_deadlines] == [
        "patent_reissue",
        "medical_renewal",
    ]
    payment = card.actions[0]
    assert payment.day == assessment.deadline("patent_payment").date
    assert payment.day_text in card.text()
    label = shipped_ruleset.header.deadlines["patent_payment"].label.uz
    assert f"⏰ {payment.day_text} — {label}" in card.text()
    note = next(
        dl.note for o in shipped_ruleset.outcomes if o.id == "patent_valid" for dl in o.deadlines
        if dl.id == "patent_payment"
    )  # fmt: skip
    assert note is not None and note.uz in card.text()  # the rules' own note stays


def test_a_deadline_today_says_so(shipped_ruleset):
    case = next(t.case for t in shipped_ruleset.tests if "paid until today" in t.case.name)
    assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
    card = build_card(assessment, shipped_ruleset, "ky", gettext("ky"))
    assert f"{format_day(case.as_of, 'ky')} ({gettext('ky')('today')})" in card.text()


def test_a_year_without_its_decree_adds_the_holiday_warning_beside_the_rules_note(
    shipped_ruleset,
):
    """The holiday note used to replace the rules' note; now it is added after it."""
    ruleset = shipped_ruleset
    answers = {
        "citizenship": "OTHER", "in_russia": "yes", "in_registry": "no",
        "entry_date": "2027-04-28", "purpose": "private", "region": "other",
        "document": "none", "days_in_russia_this_year": 0, "registered": "no",
    }  # fmt: skip
    assert 2027 not in ruleset.calendar.years
    assessment = evaluate(answers, date(2027, 4, 29), ruleset)
    registration = assessment.deadline("registration")
    assert registration is not None and registration.may_move_days  # 7 working days in May
    card = build_card(assessment, ruleset, "tg", gettext("tg"))
    item = next(i for i in card.actions if i.deadline_id == "registration")
    days = days_count(registration.may_move_days, "tg")
    holiday = ruleset.header.calendar_note.tg.format(days=days)
    assert item.notes[-1] == holiday and holiday in card.text()

    payment = next(o for o in ruleset.outcomes if o.id == "patent_valid")
    written = next(dl for dl in payment.deadlines if dl.id == "patent_payment")
    moved = DeadlineDate("patent_payment", date(2027, 5, 10), "patent_valid", (), 2)
    notes = deadline_notes(moved, ruleset, assessment.values, "uz")
    assert notes == (written.note.uz, ruleset.header.calendar_note.uz.format(days="2 kun"))
    assert "muddat 2 kungacha surilishi" in notes[1]


def test_the_card_drops_the_least_needed_parts_to_fit(shipped_ruleset, monkeypatch):
    case = next(t.case for t in shipped_ruleset.tests if "medical expired" in t.case.name)
    assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
    full = build_card(assessment, shipped_ruleset, "uz_Cyrl", gettext("uz_Cyrl"))
    assert full.next_deadlines and full.show_notes and len(full.actions) == 3
    monkeypatch.setattr(card_module, "MAX_VISIBLE", 330)
    small = build_card(assessment, shipped_ruleset, "uz_Cyrl", gettext("uz_Cyrl"))
    assert small.visible_length() <= 330
    assert not small.show_notes and not small.next_deadlines  # these go first
    assert small.headline == full.headline and small.actions[0] == full.actions[0]


def test_the_scam_warning_is_kept_once_for_the_details(shipped_ruleset):
    case = next(t.case for t in shipped_ruleset.tests if t.case.name.startswith("Persona 2:"))
    assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
    assert sum(f.outcome.scam_warning for f in assessment.outcomes) >= 1
    card = build_card(assessment, shipped_ruleset, "ru", gettext("ru"))
    assert card.scam_warning == shipped_ruleset.header.scam_warning.ru
    assert card.scam_warning not in card.text()  # on the card it would push out the dates


def test_the_sheet_for_an_official_is_in_russian_with_the_answers(shipped_ruleset):
    case = next(
        t.case for t in shipped_ruleset.tests if t.case.name.startswith("Persona 8: Kyrgyz")
    )
    assessment = evaluate(case.answers, case.as_of, shipped_ruleset)
    sheet = build_official_sheet(assessment, shipped_ruleset, gettext("ru"))
    assert sheet.card.locale == "ru"
    assert sheet.card.text() == build_card(assessment, shipped_ruleset, "ru", gettext("ru")).text()
    facts = dict(sheet.facts)
    assert facts["Гражданство"] == "Кыргызстан"
    assert facts["Регион"] == "Москва"
    assert facts["Дата въезда"] == format_day(d(str(case.answers["entry_date"])), "ru")
    assert list(facts) == [
        shipped_ruleset.question(q).label.ru
        for q in (q.id for q in shipped_ruleset.questions)
        if q in assessment.answers
    ]
