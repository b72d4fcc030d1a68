"""The calendar file, read back with icalendar as a phone's calendar would read it.

Checked on the shipped ruleset's own cases: one all-day event per deadline on the
assessment's date, the ruleset's reminder days as alarms, the same UIDs in a file
made days later (so a re-import updates), neutral words unless detailed titles
are asked for, in every locale, with the real catalogs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar, Event

from bot.core.rules import Ruleset, evaluate
from bot.core.rules.engine import DeadlineDate
from bot.core.rules.present import fill, format_day
from bot.export import CALENDAR_FILENAME, calendar_file, deadline_uid
from bot.export.calendar_file import sequence_number
from bot.i18n import LOCALES, gettext

from .conftest import Case

MADE_AT = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)
NINE_AM = timedelta(hours=9)

TELLING = (
    "патент", "patent", "реестр", "reestr", "registry", "мвд", "mvd", "иим", "иив",
    "iiv", "вкд", "миграц", "migrat", "муҳоҷир", "регистрац", "registr", "учёт", "учет",
    "виза", "депорт", "deport", "выдвор", "контролируем", "росси", "русия", "rossiya",
    "russia", "договор", "шартнома", "келишим", "shartnoma", "дактилоскоп", "медосвид",
    "выезд", "chiqib", "чиқиб",
)  # fmt: skip
"""Words that would tell a border officer what the deadlines are about."""


def _events(ics: bytes) -> list[Event]:
    return list(Calendar.from_ical(ics).walk("VEVENT"))


def _by_uid(ics: bytes) -> dict[str, Event]:
    return {str(event.uid): event for event in _events(ics)}


def _earliest(case: Case) -> dict[str, DeadlineDate]:
    earliest: dict[str, DeadlineDate] = {}
    for deadline in case.assessment.deadlines:
        if deadline.id not in earliest or deadline.date < earliest[deadline.id].date:
            earliest[deadline.id] = deadline
    return earliest


def _texts(ics: bytes) -> list[str]:
    """Everything a person (or an officer) can see in a calendar app."""
    calendar = Calendar.from_ical(ics)
    seen = [str(calendar.get("NAME", "")), str(calendar.get("X-WR-CALNAME", ""))]
    for event in calendar.walk("VEVENT"):
        seen += [str(event.get("SUMMARY")), str(event.get("DESCRIPTION"))]
        seen += [str(alarm.get("DESCRIPTION")) for alarm in event.walk("VALARM")]
    return seen


def test_one_all_day_event_per_deadline_on_its_date(
    deadline_cases: list[Case], shipped_ruleset: Ruleset
):
    for case in deadline_cases:
        ics = calendar_file(case.assessment, shipped_ruleset, "ru", made_at=MADE_AT)
        events = _by_uid(ics)
        earliest = _earliest(case)
        assert len(events) == len(earliest), case.name
        for deadline_id, deadline in earliest.items():
            event = events[deadline_uid(deadline_id, shipped_ruleset)]
            assert event.start == deadline.date, case.name
            assert not isinstance(event.start, datetime), "an all-day event has a date only"
            assert event.end == deadline.date + timedelta(days=1)
            assert str(event.get("TRANSP")) == "TRANSPARENT"


def test_alarms_on_the_rulesets_reminder_days_at_nine(
    deadline_cases: list[Case], shipped_ruleset: Ruleset
):
    checked = 0
    for case in deadline_cases:
        events = _by_uid(calendar_file(case.assessment, shipped_ruleset, "ky", made_at=MADE_AT))
        for deadline_id, deadline in _earliest(case).items():
            expected = {
                timedelta(days=-n) + NINE_AM
                for n in deadline.remind_days_before
                if deadline.date - timedelta(days=n) >= case.as_of
            }
            alarms = list(events[deadline_uid(deadline_id, shipped_ruleset)].walk("VALARM"))
            assert {alarm.TRIGGER for alarm in alarms} == expected, (case.name, deadline_id)
            assert len(alarms) == len(expected)
            assert {str(alarm.get("ACTION")) for alarm in alarms} <= {"DISPLAY"}
            assert all(str(alarm.get("DESCRIPTION")).strip() for alarm in alarms)
            checked += len(alarms)
    assert checked > 100


def test_an_alarm_says_how_many_days_are_left(shipped_ruleset: Ruleset, deadline_cases):
    def three_days_ahead(d: DeadlineDate, as_of: date) -> bool:
        return 3 in d.remind_days_before and (d.date - as_of).days > 3

    case = next(
        c
        for c in deadline_cases
        if any(three_days_ahead(d, c.as_of) for d in c.assessment.deadlines)
    )
    deadline = next(d for d in case.assessment.deadlines if three_days_ahead(d, case.as_of))
    _ = gettext("tg")
    event = _by_uid(calendar_file(case.assessment, shipped_ruleset, "tg", made_at=MADE_AT))[
        deadline_uid(deadline.id, shipped_ruleset)
    ]
    three_days_before = timedelta(days=-3) + NINE_AM
    three_days = next(a for a in event.walk("VALARM") if a.triggers.start == (three_days_before,))
    expected = _("Days left: {days}. Deadline: {date}").format(
        days=3, date=format_day(deadline.date, "tg")
    )
    assert str(three_days.get("DESCRIPTION")) == expected
    assert expected.startswith("Рӯзҳои боқимонда: 3")


def test_same_uids_in_a_file_made_days_later(deadline_cases: list[Case], shipped_ruleset):
    """Re-importing the newer file updates each event: same UID, higher SEQUENCE."""
    compared = 0
    for case in deadline_cases:
        later_day = case.as_of + timedelta(days=2)
        later = evaluate(case.answers, later_day, shipped_ruleset)
        if {d.id for d in later.deadlines} != {d.id for d in case.assessment.deadlines}:
            continue
        first = _by_uid(calendar_file(case.assessment, shipped_ruleset, "uz", made_at=MADE_AT))
        second = _by_uid(
            calendar_file(later, shipped_ruleset, "uz", made_at=MADE_AT + timedelta(days=2))
        )
        assert first.keys() == second.keys(), case.name
        for uid, event in second.items():
            assert event.sequence > first[uid].sequence
            assert event.DTSTAMP > first[uid].DTSTAMP
            assert event.start == first[uid].start
        compared += 1
    assert compared >= 10


def test_uid_does_not_depend_on_language_titles_person_or_date(
    deadline_cases: list[Case], shipped_ruleset: Ruleset
):
    case = deadline_cases[0]
    uids = set(_by_uid(calendar_file(case.assessment, shipped_ruleset, "ru", made_at=MADE_AT)))
    for locale in LOCALES:
        for detailed in (False, True):
            ics = calendar_file(
                case.assessment, shipped_ruleset, locale, made_at=MADE_AT, detailed=detailed
            )
            assert set(_by_uid(ics)) == uids
    # another person whose deadline falls on another day: the same event, moved
    moved = dataclasses.replace(
        case.assessment,
        deadlines=tuple(
            dataclasses.replace(d, date=d.date + timedelta(days=5))
            for d in case.assessment.deadlines
        ),
        answers={},
    )
    assert set(_by_uid(calendar_file(moved, shipped_ruleset, "ru", made_at=MADE_AT))) == uids
    all_ids = {d.id for c in deadline_cases for d in c.assessment.deadlines}
    all_uids = {deadline_uid(i, shipped_ruleset) for i in all_ids}
    assert len(all_uids) == len(all_ids), "each deadline has its own UID"
    assert not any(i in uid for i in all_ids for uid in all_uids), "the id does not show"


@pytest.mark.parametrize("locale", LOCALES)
def test_neutral_by_default_in_every_locale(
    locale: str, deadline_cases: list[Case], shipped_ruleset: Ruleset
):
    _ = gettext(locale)
    header = shipped_ruleset.header
    for case in deadline_cases:
        ics = calendar_file(case.assessment, shipped_ruleset, locale, made_at=MADE_AT)
        seen = "\n".join(_texts(ics))
        lowered = seen.lower()
        assert [w for w in TELLING if w in lowered] == [], (case.name, seen)
        for deadline in case.assessment.deadlines:
            assert header.deadlines[deadline.id].label.get(locale) not in seen
        for fired in case.assessment.outcomes:
            for step in fired.outcome.steps.get(locale):
                assert fill(step, dict(case.assessment.values), shipped_ruleset, locale) not in seen
        for event in _events(ics):
            assert str(event.get("SUMMARY")) == _("Deadline: {date}").format(
                date=format_day(event.start, locale)
            )
            assert _("Open Hamroh for the details.") in str(event.get("DESCRIPTION"))
    assert CALENDAR_FILENAME == "calendar.ics"


def test_neutral_words_are_translated():
    """The neutral title is each language's own word for "deadline", not the English."""
    titles = {locale: gettext(locale)("Deadline: {date}") for locale in LOCALES}
    assert titles == {
        "ru": "Срок: {date}",
        "ky": "Мөөнөт: {date}",
        "tg": "Мӯҳлат: {date}",
        "uz": "Muddat: {date}",
        "uz_Cyrl": "Муддат: {date}",
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_detailed_titles_name_the_deadline_and_carry_the_steps(
    locale: str, covering_cases: list[Case], shipped_ruleset: Ruleset
):
    header = shipped_ruleset.header
    for case in covering_cases:
        ics = calendar_file(
            case.assessment, shipped_ruleset, locale, made_at=MADE_AT, detailed=True
        )
        events = _by_uid(ics)
        values = dict(case.assessment.values)
        fired = {o.id: o.outcome for o in case.assessment.outcomes}
        for deadline in case.assessment.deadlines:
            event = events[deadline_uid(deadline.id, shipped_ruleset)]
            label = header.deadlines[deadline.id].label.get(locale)
            assert str(event.get("SUMMARY")) == label
            description = str(event.get("DESCRIPTION"))
            for step in fired[deadline.outcome_id].steps.get(locale):
                assert fill(step, values, shipped_ruleset, locale) in description
            assert header.disclaimer.get(locale) in description
            assert all(
                str(alarm.get("DESCRIPTION")).startswith(label) for alarm in event.walk("VALARM")
            )
        telling = [w for w in TELLING if w in "\n".join(_texts(ics)).lower()]
        assert telling, "the word list would catch these texts in neutral mode"


def test_one_event_for_a_deadline_two_outcomes_set(deadline_cases, shipped_ruleset: Ruleset):
    """The earliest date binds; the reminder days of both outcomes are kept."""
    case = deadline_cases[0]
    first = case.assessment.deadlines[0]
    other = next(o for o in shipped_ruleset.outcomes if o.id != first.outcome_id)
    twice = dataclasses.replace(
        case.assessment,
        deadlines=(
            *case.assessment.deadlines,
            DeadlineDate(first.id, first.date + timedelta(days=20), other.id, (15,)),
        ),
    )
    events = _by_uid(calendar_file(twice, shipped_ruleset, "ru", made_at=MADE_AT))
    assert len(events) == len({d.id for d in case.assessment.deadlines})
    event = events[deadline_uid(first.id, shipped_ruleset)]
    assert event.start == first.date
    triggers = {alarm.TRIGGER for alarm in event.walk("VALARM")}
    if first.date - timedelta(days=15) >= case.as_of:
        assert timedelta(days=-15) + NINE_AM in triggers


def test_no_deadlines_gives_an_empty_valid_calendar(shipped_ruleset: Ruleset, deadline_cases):
    none = dataclasses.replace(deadline_cases[0].assessment, deadlines=())
    calendar = Calendar.from_ical(calendar_file(none, shipped_ruleset, "uz", made_at=MADE_AT))
    assert list(calendar.walk("VEVENT")) == []
    assert str(calendar.get("PRODID")).startswith("-//Hamroh//")


def test_made_at_must_carry_a_timezone(shipped_ruleset: Ruleset, deadline_cases):
    with pytest.raises(ValueError, match="timezone"):
        calendar_file(
            deadline_cases[0].assessment, shipped_ruleset, "ru", made_at=datetime(2026, 12, 1)
        )


def test_sequence_grows_with_the_moment_the_file_is_made():
    moscow = timezone(timedelta(hours=3))
    assert sequence_number(datetime(2026, 12, 1, 12, 0, tzinfo=moscow)) == sequence_number(
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    )
    assert sequence_number(MADE_AT + timedelta(minutes=1)) == sequence_number(MADE_AT) + 1
    assert sequence_number(datetime(2020, 1, 1, tzinfo=UTC)) == 0


def test_file_is_utf8_and_unknown_locale_falls_back_to_russian(shipped_ruleset, deadline_cases):
    case = deadline_cases[0]
    ics = calendar_file(case.assessment, shipped_ruleset, "xx", made_at=MADE_AT)
    assert "SUMMARY:Срок:" in ics.decode("utf-8")
