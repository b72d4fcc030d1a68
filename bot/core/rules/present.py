"""Turn an assessment into words in one locale: the result a person reads.

Kept apart from the engine (GOV.UK smart-answers keep policy and text apart):
the same assessment can be shown again in another language after the user
switches, and the JSON of `hamroh rules evaluate` is this structure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import InitVar, asdict, dataclass
from datetime import date
from functools import lru_cache, partial
from string import Formatter
from typing import Any

from bot.core import wording
from bot.core.locales import normalize_locale

from .engine import SEVERITY, Assessment, DeadlineDate, FiredOutcome
from .expressions import to_cel
from .model import Contact, Outcome, Text
from .native import Undecided
from .plan import Reason
from .ruleset import Ruleset


def format_day(day: date, locale: str) -> str:
    """A date as people write it in `locale`, in its own grammar (see bot.core.wording)."""
    return wording.format_day(day, locale)


# --------------------------------------------------------------------------- the data
# Field names and order are the keys of `hamroh rules evaluate --json` (see README).


@dataclass(frozen=True)
class SourceLink:
    id: str
    title: str
    url: str


@dataclass(frozen=True)
class ContactText:
    """An official place to get help, in one locale."""

    id: str
    name: str
    how: str
    url: str | None
    phone: str | None
    hours: str | None
    last_checked: str


@dataclass(frozen=True)
class OutcomeText:
    """One rule that fired, in words: title, next steps, legal basis, sources."""

    id: str
    status: str
    title: str
    steps: tuple[str, ...]
    legal_basis: str
    sources: tuple[SourceLink, ...]
    last_reviewed: str
    uncertain: str | None
    """The "not settled yet" note, when the outcome rests on an uncertain fact."""
    scam_warning: str | None
    contacts: tuple[ContactText, ...]
    """Its contacts that serve the user's citizenship (all, when it is unknown)."""


@dataclass(frozen=True)
class DeadlineText:
    id: str
    date: str
    """ISO date."""
    date_text: str
    label: str
    outcome: str
    remind_days_before: tuple[int, ...]
    note: str | None
    """All of `notes` in one text; None without any."""
    may_move_days: int | None = None
    """How many days the missing decree of a year could move it (None: it cannot move)."""
    notes: tuple[str, ...] = ()
    """What the rules wrote for this deadline, then the holiday-calendar warning when
    the date may move because its year's decree is not in the calendar yet."""


@dataclass(frozen=True)
class AnswerUsed:
    question: str
    label: str
    answer: str


@dataclass(frozen=True, eq=False)
class ExplanationText:
    """Why one outcome fired: the conditions that held and the answers they read.

    The answers may be given as a function that words them: they are worded when
    first read (the bot's and the terminal's "Why?" and the CLI read them; the web's
    result page shows only the reasons, with each outcome).
    """

    outcome: str
    because: tuple[str, ...]
    words: InitVar[tuple[AnswerUsed, ...] | Callable[[], tuple[AnswerUsed, ...]]] = ()

    def __post_init__(
        self, words: tuple[AnswerUsed, ...] | Callable[[], tuple[AnswerUsed, ...]]
    ) -> None:
        object.__setattr__(self, "_answers", words)

    @property
    def answers(self) -> tuple[AnswerUsed, ...]:
        """The answers the outcome read, each with its question's label."""
        answers: tuple[AnswerUsed, ...] | Callable[[], tuple[AnswerUsed, ...]]
        answers = self.__dict__["_answers"]
        if callable(answers):
            answers = answers()
            object.__setattr__(self, "_answers", answers)
        return answers

    def _key(self) -> tuple[str, tuple[str, ...], tuple[AnswerUsed, ...]]:
        return (self.outcome, self.because, self.answers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExplanationText):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"ExplanationText(outcome={self.outcome!r}, because={self.because!r}, answers={self.answers!r})"


@dataclass(frozen=True)
class Presentation:
    """An assessment with every text in one locale: what every channel draws from."""

    status: str
    status_title: str
    status_summary: str
    outcomes: tuple[OutcomeText, ...]
    """Most severe first, advice last."""
    deadlines: tuple[DeadlineText, ...]
    explanation: tuple[ExplanationText, ...]
    disclaimer: str
    content_reviewed: str
    ruleset_version: str
    ruleset_fingerprint: str
    as_of: str
    locale: str

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (tuples become lists): the CLI's ``--json`` output."""
        data = asdict(self)
        for item, shown in zip(self.explanation, data["explanation"], strict=True):
            shown["answers"] = [asdict(answer) for answer in item.answers]
        return data

    def outcome(self, outcome_id: str) -> OutcomeText | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    def because(self, outcome_id: str) -> tuple[str, ...]:
        """The reasons of one outcome (empty if it has none)."""
        item = next((e for e in self.explanation if e.outcome == outcome_id), None)
        return item.because if item is not None else ()


def answer_label(ruleset: Ruleset, question_id: str, value: Any, locale: str) -> str:
    """An answer or computed value as the user would read it: option label, date, number,
    a computed count of days with its noun («5 дней»: see wording.value_text)."""
    if isinstance(value, date):
        return format_day(value, locale)
    if isinstance(value, str):
        label = ruleset.option_text(question_id, value, locale)
        if label is not None:
            return label
    if not ruleset.has_question(question_id):
        return wording.value_text(question_id, value, locale)
    question = ruleset.question(question_id)
    if isinstance(value, str) and ruleset.is_option(question, value):
        return ruleset.option_label(question, value).get(locale)
    if isinstance(value, date):
        return format_day(value, locale)
    if isinstance(value, str):
        try:
            return format_day(date.fromisoformat(value), locale)
        except ValueError:
            return value
    return str(value)


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """A rule text split at its ``{name}`` placeholders, once per text (the texts are the
    ruleset's, the same for everyone; a result fills 30-40 of them)."""
    return tuple((literal, name) for literal, name, _, _ in Formatter().parse(template))


def fill(text: Text | str, values: Mapping[str, Any], ruleset: Ruleset, locale: str) -> str:
    """Fill `{name}` placeholders with values written for `locale`.

    A value that ends with a period (Russian dates end in «г.») followed by a
    period in the text would read "г.." — the text's own period is dropped.
    """
    template = text if isinstance(text, str) else text.get(locale)
    if "{" not in template and "}" not in template:
        return template  # no placeholder and no escaped brace: the text as it is
    out: list[str] = []
    drop_period = False
    for literal, name in _pieces(template):
        if drop_period and literal.startswith("."):
            literal = literal[1:]
        out.append(literal)
        drop_period = False
        if name is None:
            continue
        value = values.get(name)
        shown = "—" if value is None else answer_label(ruleset, name, value, locale)
        out.append(shown)
        drop_period = shown.endswith(".")
    return "".join(out)


def present(assessment: Assessment, ruleset: Ruleset, locale: str) -> Presentation:
    """The assessment with every text in `locale` (``.to_json()`` is the CLI JSON)."""
    locale = normalize_locale(locale)
    texts = locale_texts(ruleset, locale)
    values = assessment.values
    title, summary = texts.statuses[assessment.status]
    citizenship = assessment.answers.get("citizenship")
    ordered = sorted(assessment.outcomes, key=_display_order)
    words = [texts.outcome(fired.outcome) for fired in ordered]
    outcomes = tuple(
        _outcome(fired, ruleset, values, locale, citizenship, assessment, each)
        for fired, each in zip(ordered, words, strict=True)
    )
    deadlines = tuple(
        DeadlineText(
            id=d.id,
            date=d.date.isoformat(),
            date_text=format_day(d.date, locale),
            label=texts.deadline_labels[d.id],
            outcome=d.outcome_id,
            remind_days_before=tuple(d.remind_days_before),
            may_move_days=d.may_move_days,
            note=" ".join(notes) or None,
            notes=notes,
        )
        for d in assessment.deadlines
        for notes in (deadline_notes(d, ruleset, values, locale),)
    )
    explanation = tuple(
        ExplanationText(
            fired.id,
            tuple(
                fill(because, values, ruleset, locale)
                for because in (
                    each.because
                    if fired.reasons is each.reasons
                    else [r.clause.because.get(locale) for r in fired.reasons]
                )
            ),
            partial(_answers_used, fired.answers_used, assessment.answers, ruleset, locale),
        )
        for fired, each in zip(ordered, words, strict=True)
    )
    return Presentation(
        status=assessment.status,
        status_title=title,
        status_summary=summary,
        outcomes=outcomes,
        deadlines=deadlines,
        explanation=explanation,
        disclaimer=texts.disclaimer,
        content_reviewed=texts.content_reviewed,
        ruleset_version=assessment.ruleset_version,
        ruleset_fingerprint=assessment.ruleset_fingerprint,
        as_of=assessment.as_of.isoformat(),
        locale=locale,
    )


@dataclass(frozen=True, slots=True)
class OutcomeWords:
    """One outcome's texts in one locale as the rules wrote them, placeholders unfilled."""

    outcome: Outcome
    title: str
    steps: tuple[str, ...]
    plain_steps: bool
    """No step has a placeholder (or a brace): the steps are shown as they are."""
    legal_basis: str
    reasons: tuple[Reason, ...] | None
    """The reasons `because` words (the ruleset's own, which an assessment carries)."""
    because: tuple[str, ...]
    sources: tuple[SourceLink, ...]
    last_reviewed: str
    uncertain: str | None
    uncertain_note: str
    scam_warning: str | None
    contacts: tuple[tuple[list[str] | None, ContactText], ...]
    """Each contact with the citizenships it serves (None: everyone)."""


class LocaleTexts:
    """The ruleset's texts in one locale, looked up by every result in it.

    Why: a result names four or five outcomes with a dozen sources, their contacts,
    the status and the deadlines' labels, and each lookup of a rules text reads its
    model again; these are the same for everyone, so they are worded once per ruleset
    and locale (`Ruleset.prepared`) and a result only fills in its placeholders.
    """

    def __init__(self, ruleset: Ruleset, locale: str) -> None:
        self._ruleset = ruleset
        self.locale = locale
        header = ruleset.header
        self.statuses: dict[str, tuple[str, str]] = {
            status: (text.title.get(locale), text.summary.get(locale))
            for status, text in header.statuses.items()
        }
        self.deadline_labels: dict[str, str] = {
            deadline_id: kind.label.get(locale) for deadline_id, kind in header.deadlines.items()
        }
        self.deadline_notes: dict[tuple[str, str], tuple[str, ...]] = {
            (outcome.id, written.id): tuple(
                note.get(locale) for note in ruleset.deadline_notes(outcome.id, written.id)
            )
            for outcome in ruleset.outcomes
            for written in outcome.deadlines
        }
        self.calendar_note = header.calendar_note.get(locale)
        self.disclaimer = header.disclaimer.get(locale)
        self.scam_warning = header.scam_warning.get(locale)
        self.content_reviewed = header.content_reviewed.isoformat()
        self.contacts: dict[str, ContactText] = {
            contact_id: _contact_text(contact, locale)
            for contact_id, contact in ruleset.contacts.items()
        }
        self.question_labels: dict[str, str] = {
            question.id: question.label.get(locale) for question in ruleset.questions
        }
        reasons = {plan.outcome.id: plan.reasons for plan in ruleset.plan.outcomes}
        self._outcomes: dict[str, OutcomeWords] = {
            outcome.id: self._words(outcome, reasons.get(outcome.id))
            for outcome in ruleset.outcomes
        }

    def outcome(self, outcome: Outcome) -> OutcomeWords:
        """`outcome`'s words: from the table when it is this ruleset's (an assessment of
        another ruleset's outcome gets them made for it alone)."""
        found = self._outcomes.get(outcome.id)
        if found is None or found.outcome is not outcome:
            return self._words(outcome, None)
        return found

    def _words(self, outcome: Outcome, reasons: tuple[Reason, ...] | None) -> OutcomeWords:
        ruleset, locale = self._ruleset, self.locale
        header = ruleset.header
        steps = tuple(outcome.steps.get(locale))
        return OutcomeWords(
            outcome=outcome,
            title=outcome.title.get(locale),
            steps=steps,
            plain_steps=not any("{" in step or "}" in step for step in steps),
            legal_basis=outcome.legal_basis.get(locale),
            reasons=reasons,
            because=tuple(r.clause.because.get(locale) for r in reasons or ()),
            sources=tuple(
                SourceLink(id=s, title=ruleset.sources[s].title, url=ruleset.sources[s].url)
                for s in outcome.sources
            ),
            last_reviewed=outcome.last_reviewed.isoformat(),
            uncertain=outcome.uncertain.get(locale) if outcome.uncertain else None,
            uncertain_note=header.uncertain_note.get(locale),
            scam_warning=self.scam_warning if outcome.scam_warning else None,
            contacts=tuple(
                (ruleset.contacts[c].for_citizenship, _contact_text(ruleset.contacts[c], locale))
                for c in outcome.contacts
            ),
        )


def locale_texts(ruleset: Ruleset, locale: str) -> LocaleTexts:
    """The ruleset's `LocaleTexts` in `locale` (made at its first use, then kept)."""
    locale = normalize_locale(locale)
    return ruleset.prepared(("present", locale), lambda: LocaleTexts(ruleset, locale))


def _answers_used(
    used: tuple[str, ...], answers: Mapping[str, Any], ruleset: Ruleset, locale: str
) -> tuple[AnswerUsed, ...]:
    """The answers an outcome read, in words (an :class:`ExplanationText`'s answers)."""
    labels = locale_texts(ruleset, locale).question_labels
    return tuple(
        AnswerUsed(
            question=qid,
            label=labels[qid],
            answer=answer_label(ruleset, qid, answers.get(qid), locale),
        )
        for qid in used
        if qid in answers
    )


def deadline_notes(
    deadline: DeadlineDate, ruleset: Ruleset, values: Mapping[str, Any], locale: str
) -> tuple[str, ...]:
    """What the rules wrote for this deadline, then the holiday-calendar warning when
    the date may move because its year's decree is not in `calendar.yaml` yet (added
    to the rules' note, never put in its place)."""
    texts = locale_texts(ruleset, locale)
    written = texts.deadline_notes.get((deadline.outcome_id, deadline.id))
    if written is None:  # not a deadline of this ruleset's outcome
        written = tuple(
            n.get(locale) for n in ruleset.deadline_notes(deadline.outcome_id, deadline.id)
        )
    notes = [fill(note, values, ruleset, locale) for note in written]
    if deadline.may_move_days is not None:
        days = wording.days_count(deadline.may_move_days, locale)  # «4 дня», «4 күн»
        notes.append(texts.calendar_note.format(days=days))
    return tuple(notes)


def _display_order(fired: FiredOutcome) -> int:
    """Most severe first, advice (`info`) last; the ruleset's order within a status."""
    return SEVERITY.index(fired.status) if fired.status in SEVERITY else len(SEVERITY)


def _outcome(
    fired: FiredOutcome,
    ruleset: Ruleset,
    values: Mapping[str, Any],
    locale: str,
    citizenship: object,
    assessment: Assessment,
    words: OutcomeWords,
) -> OutcomeText:
    outcome = fired.outcome
    steps = words.steps
    if outcome.step_if:
        steps = tuple(
            step
            for number, step in enumerate(steps, 1)
            if number not in outcome.step_if
            or _step_applies(ruleset, outcome.step_if[number], assessment)
        )
    return OutcomeText(
        id=outcome.id,
        status=outcome.status,
        title=fill(words.title, values, ruleset, locale),
        steps=(
            steps if words.plain_steps else tuple(fill(s, values, ruleset, locale) for s in steps)
        ),
        legal_basis=fill(words.legal_basis, values, ruleset, locale),
        sources=words.sources,
        last_reviewed=words.last_reviewed,
        uncertain=(
            None
            if words.uncertain is None
            else words.uncertain_note + " " + fill(words.uncertain, values, ruleset, locale)
        ),
        scam_warning=words.scam_warning,
        contacts=tuple(
            contact for serving, contact in words.contacts if serves(serving, citizenship)
        ),
    )


def _step_applies(ruleset: Ruleset, condition: str, assessment: Assessment) -> bool:
    """Whether a step's `step_if` holds for the counted answers; a condition that
    cannot be decided (an answer is missing) shows the step: one step too many is
    better than a missing one."""
    compiled = ruleset.compiled[condition]
    answers = assessment.answers
    if any(answers.get(name) is None for name in compiled.variables if ruleset.has_question(name)):
        return True
    plan = ruleset.plan
    if compiled.native is not None:  # CEL's verdict, without CEL (see `native`)
        values = {**plan.all_questions_unknown, **answers, "as_of": assessment.as_of}
        try:
            return (
                compiled.native(values, plan.idle_context(assessment.as_of).functions) is not False
            )
        except Undecided:
            pass
    context = ruleset.plan.context(
        assessment.as_of, {qid: to_cel(value) for qid, value in answers.items()}
    )
    try:
        return compiled.run(context.cel) is not False
    except Exception:  # a type error on an odd answer: undecided
        return True


def serves(for_citizenship: list[str] | None, citizenship: object) -> bool:
    """A consulate is shown only to its own citizens (everyone, if we do not know)."""
    return not for_citizenship or not isinstance(citizenship, str) or citizenship in for_citizenship


def contact_text(ruleset: Ruleset, contact_id: str, locale: str) -> ContactText:
    """One contact of the ruleset in ``locale``."""
    return locale_texts(ruleset, locale).contacts[contact_id]


def _contact_text(contact: Contact, locale: str) -> ContactText:
    return ContactText(
        id=contact.id,
        name=contact.name.get(locale),
        how=contact.how.get(locale),
        url=contact.url,
        phone=contact.phone,
        hours=contact.hours,
        last_checked=contact.last_checked.isoformat(),
    )
