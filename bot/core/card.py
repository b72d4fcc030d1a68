"""The result card: what a person reads first, decided here once for every channel.

An assessment can fire a dozen outcomes with forty steps; a phone screen holds a
few lines. The card is the part that must be read: the status in one line, the
one to three most urgent things to do, each with its date, the next deadlines and
a one-line disclaimer. Why, every step, the law, sources and contacts are one tap
away (the channels draw those from `present`).

The card is decided here, not in a channel, so that Telegram, the terminal chat
and the web say the same thing in the same order: `Card.lines()` is the drawing
(text and the kind of each line); a channel only adds its markup (bold, a link),
never words. Rules for what comes first:

- anything already late (an outcome marked `overdue` in the rules) leads, and a
  calm status ("most likely all is in order, but ...") is then replaced by a line
  saying that a deadline has passed, so the first line never contradicts the next;
- then what has to be done now and has no date (register in «Амина», pay the
  fines before travelling), then the deadlines, earliest first;
- the card never exceeds `MAX_VISIBLE` characters: notes go first, then later
  deadlines, then the summary, then actions after the first (`_fit`).

Pure: texts come from the ruleset and from the translator passed in (gettext
catalogs in `bot/i18n.py`); the date is `assessment.as_of`, never the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Literal

from .rules.engine import SEVERITY, Assessment, FiredOutcome
from .rules.model import LOCALES
from .rules.present import (
    Presentation,
    answer_label,
    deadline_notes,
    fill,
    format_day,
    locale_texts,
)
from .rules.ruleset import Ruleset

Translator = Callable[[str], str]

MAX_VISIBLE = 1000
"""The most characters a card may show: about one phone screen."""

MAX_ACTIONS = 3
MAX_NEXT_DEADLINES = 3
URGENT_DAYS = 30
"""A deadline this close is something to do now; a later one is listed as a next deadline."""

STATUS_ICONS: Mapping[str, str] = {  # every channel draws the status with these
    "legal": "✅",
    "action_needed": "⏳",
    "irregular": "❗",
    "controlled": "⛔",
    "entry_banned": "🚫",
    "unclear": "❔",
}
OVERDUE_ICON = "⚠️"
LATE_ICON = "❗"
NOW_ICON = "▪️"
DATED_ICON = "⏰"
DEADLINE_ICON = "📅"
DISCLAIMER_ICON = "ℹ️"

DO_NOW_STATUSES = frozenset({"action_needed", "unclear", "irregular", "controlled", "entry_banned"})
"""An outcome with one of these statuses and no date of its own is something to do now."""

LineKind = Literal["status", "summary", "heading", "item", "note", "gap", "disclaimer"]


@dataclass(frozen=True)
class CardItem:
    """One thing to do or one deadline."""

    text: str
    """An overdue or dateless outcome's title, or the deadline's label."""
    outcome_id: str
    deadline_id: str | None = None
    day: date | None = None
    """By when; None for what is already late or has no date (do it now)."""
    day_text: str | None = None
    days_left: int | None = None
    """Days from the result's date to `day` (0 today, 1 tomorrow)."""
    overdue: bool = False
    notes: tuple[str, ...] = ()
    """The notes the rules wrote for this deadline, then the holiday-calendar note."""


@dataclass(frozen=True)
class CardLine:
    kind: LineKind
    text: str


@dataclass(frozen=True)
class Card:
    status: str
    headline: str
    """The status in one line (icon included)."""
    summary: str | None
    actions: tuple[CardItem, ...]
    next_deadlines: tuple[CardItem, ...]
    disclaimer: str
    as_of_text: str
    locale: str
    scam_warning: str | None
    """Shown once in the details of a result where money changes hands, not on the card."""
    headings: tuple[str, str]
    """("What to do first", "Next deadlines") in the card's language."""
    show_notes: bool = True
    day_words: Mapping[int, str] | None = None
    """"today", "tomorrow" in the card's language, by days from `as_of`."""

    def lines(self) -> tuple[CardLine, ...]:
        """The card as every channel draws it: texts in order, each with its kind."""
        return self._lines

    @cached_property
    def _lines(self) -> tuple[CardLine, ...]:
        """`lines`, drawn once per card (`build_card` measures it, a channel draws it)."""
        out: list[CardLine] = [CardLine("status", self.headline)]
        if self.summary:
            out.append(CardLine("summary", self.summary))
        if self.actions:
            out += [CardLine("gap", ""), CardLine("heading", self.headings[0])]
            for item in self.actions:
                out += self._item_lines(item, action=True)
        if self.next_deadlines:
            out += [CardLine("gap", ""), CardLine("heading", self.headings[1])]
            for item in self.next_deadlines:
                out += self._item_lines(item, action=False)
        out += [CardLine("gap", ""), CardLine("disclaimer", self.disclaimer_line)]
        return tuple(out)

    @property
    def disclaimer_line(self) -> str:
        return f"{DISCLAIMER_ICON} {self.disclaimer} {self.as_of_text}"

    def text(self) -> str:
        """The card as plain text: what a person sees, without markup."""
        return "\n".join(line.text for line in self.lines())

    def visible_length(self) -> int:
        return len(self.text())

    def _item_lines(self, item: CardItem, *, action: bool) -> list[CardLine]:
        if item.overdue:
            text = f"{OVERDUE_ICON} {item.text}"
        elif item.day_text is None:
            text = f"{NOW_ICON} {item.text}"
        else:
            icon = DATED_ICON if action else DEADLINE_ICON
            text = f"{icon} {self._when(item)} — {item.text}"
        lines = [CardLine("item", text)]
        if self.show_notes:
            lines += [CardLine("note", f"   {note}") for note in item.notes]
        return lines

    def _when(self, item: CardItem) -> str:
        assert item.day_text is not None
        word = None
        if self.day_words is not None and item.days_left is not None:
            word = self.day_words.get(item.days_left)
        return f"{item.day_text} ({word})" if word else item.day_text


def build_card(
    assessment: Assessment,
    ruleset: Ruleset,
    locale: str,
    _: Translator,
    shown: Presentation | None = None,
) -> Card:
    """The card for `assessment` in `locale`; `_` translates the card's own words.

    `shown`: the assessment presented in `locale` already (a full result has it): its
    filled titles, deadline labels, dates and notes are taken, not worded again.
    """
    if locale not in LOCALES:
        locale = "ru"
    if shown is not None and shown.locale != locale:
        shown = None
    texts = locale_texts(ruleset, locale)
    values = assessment.values
    fired = sorted(assessment.outcomes, key=_display_order)
    overdue = [f for f in fired if f.outcome.overdue]
    icon = STATUS_ICONS.get(assessment.status, "")
    if overdue and assessment.status in ("action_needed", "legal"):
        headline = f"{LATE_ICON} " + _("A deadline has already passed: act now")
        summary = None
    else:
        title, summary = texts.statuses[assessment.status]
        headline = f"{icon} {title}"

    titles = {o.id: o.title for o in shown.outcomes} if shown is not None else {}

    def title_of(f: FiredOutcome) -> str:
        found = titles.get(f.id)
        return found if found is not None else fill(f.outcome.title, values, ruleset, locale)

    late = [CardItem(title_of(f), f.id, overdue=True) for f in overdue]
    with_dates = {d.outcome_id for d in assessment.deadlines}
    now = [
        CardItem(title_of(f), f.id)
        for f in fired
        if f.status in DO_NOW_STATUSES and not f.outcome.overdue and f.id not in with_dates
    ]
    dated = _deadline_items(assessment, ruleset, locale, shown)
    soon = [i for i in dated if i.days_left is not None and i.days_left <= URGENT_DAYS]
    ordered = [*late, *now, *soon]
    actions = tuple(ordered[:MAX_ACTIONS])
    later = tuple(i for i in dated if i not in actions)
    card = Card(
        status=assessment.status,
        headline=headline,
        summary=summary,
        actions=actions,
        next_deadlines=later[:MAX_NEXT_DEADLINES],
        disclaimer=_("A likely status from your answers, not legal advice."),
        as_of_text=_("Result as of {date}").format(date=format_day(assessment.as_of, locale)),
        locale=locale,
        scam_warning=(texts.scam_warning if any(f.outcome.scam_warning for f in fired) else None),
        headings=(_("What to do first"), _("Next deadlines")),
        day_words={0: _("today"), 1: _("tomorrow")},
    )
    return _fit(card)


def _display_order(fired: FiredOutcome) -> int:
    return SEVERITY.index(fired.status) if fired.status in SEVERITY else len(SEVERITY)


def _deadline_items(
    assessment: Assessment, ruleset: Ruleset, locale: str, shown: Presentation | None
) -> list[CardItem]:
    """One item per deadline id (earliest first), with every note written for it (the
    presented deadlines' texts when `shown` is given: the same deadlines, in order)."""
    items: dict[str, CardItem] = {}
    texts = (
        shown.deadlines
        if shown is not None and len(shown.deadlines) == len(assessment.deadlines)
        else [None] * len(assessment.deadlines)
    )
    labels = locale_texts(ruleset, locale).deadline_labels
    for deadline, text in zip(assessment.deadlines, texts, strict=True):
        if text is not None and (text.id, text.outcome) == (deadline.id, deadline.outcome_id):
            notes, day_text = text.notes, text.date_text
        else:
            notes = deadline_notes(deadline, ruleset, assessment.values, locale)
            day_text = format_day(deadline.date, locale)
        known = items.get(deadline.id)
        if known is not None:
            extra = tuple(n for n in notes if n not in known.notes)
            items[deadline.id] = replace(known, notes=known.notes + extra)
            continue
        items[deadline.id] = CardItem(
            labels[deadline.id],
            deadline.outcome_id,
            deadline_id=deadline.id,
            day=deadline.date,
            day_text=day_text,
            days_left=(deadline.date - assessment.as_of).days,
            notes=notes,
        )
    return list(items.values())


def _fit(card: Card) -> Card:
    """Drop the least needed parts until the card fits `MAX_VISIBLE` characters."""
    length = card.visible_length()  # once per card tried: it draws the whole card
    for shrink in _SHRINK_STEPS:
        while length > MAX_VISIBLE:
            smaller = shrink(card)
            if smaller is None:
                break
            card = smaller
            length = card.visible_length()
    return card


def _without_notes(card: Card) -> Card | None:
    return replace(card, show_notes=False) if card.show_notes else None


def _without_last_deadline(card: Card) -> Card | None:
    return replace(card, next_deadlines=card.next_deadlines[:-1]) if card.next_deadlines else None


def _without_summary(card: Card) -> Card | None:
    return replace(card, summary=None) if card.summary else None


def _without_last_action(card: Card) -> Card | None:
    return replace(card, actions=card.actions[:-1]) if len(card.actions) > 1 else None


_SHRINK_STEPS: tuple[Callable[[Card], Card | None], ...] = (
    _without_notes,
    _without_last_deadline,
    _without_summary,
    _without_last_action,
)
"""In this order: what a person can best do without on the first screen goes first."""


@dataclass(frozen=True)
class OfficialSheet:
    """ "Show this to an official": the card and the answers it rests on, in Russian
    (the language of the МВД), whatever language the person reads."""

    card: Card
    facts: tuple[tuple[str, str], ...]
    """(question label, answer) for every answer that counted."""
    heading: str
    facts_heading: str


def build_official_sheet(assessment: Assessment, ruleset: Ruleset, _: Translator) -> OfficialSheet:
    """The sheet for an official; `_` must be the Russian translator."""
    return OfficialSheet(
        card=build_card(assessment, ruleset, "ru", _),
        facts=official_facts(assessment, ruleset),
        heading=_("Summary for an official (in Russian)"),
        facts_heading=_("Answers the summary is based on"),
    )


def official_facts(assessment: Assessment, ruleset: Ruleset) -> tuple[tuple[str, str], ...]:
    """The answers that counted, in Russian, in the order of the questions."""
    return tuple(
        (
            ruleset.question(qid).label.get("ru"),
            answer_label(ruleset, qid, value, "ru"),
        )
        for qid, value in (
            (q.id, assessment.answers[q.id])
            for q in ruleset.questions
            if q.id in assessment.answers
        )
    )
