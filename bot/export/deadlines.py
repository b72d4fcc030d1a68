"""One entry per deadline id, whichever outcomes set it: what both exports show.

Two outcomes may set the same deadline (``leave_russia`` after a job ended and after
an overstay). A phone should hold one event for it, at the earliest of the dates
(the one that binds), with the reminder days and the steps of every outcome that
set it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.rules import Assessment, Ruleset
from bot.core.rules.present import fill


@dataclass(frozen=True)
class Deadline:
    id: str
    date: date
    outcome_ids: tuple[str, ...]
    """The outcomes that set this deadline, the one giving the earliest date first."""
    remind_days_before: tuple[int, ...]
    """Days before the date to remind on, largest first, each once."""


def merged_deadlines(assessment: Assessment) -> list[Deadline]:
    """The assessment's deadlines, one per id, by date (then id)."""
    by_id: dict[str, list[tuple[date, str, tuple[int, ...]]]] = {}
    for item in assessment.deadlines:
        by_id.setdefault(item.id, []).append((item.date, item.outcome_id, item.remind_days_before))
    merged = []
    for deadline_id, items in by_id.items():
        items.sort(key=lambda item: item[0])
        outcomes = tuple(dict.fromkeys(outcome for _, outcome, _ in items))
        days = sorted({n for _, _, before in items for n in before}, reverse=True)
        merged.append(Deadline(deadline_id, items[0][0], outcomes, tuple(days)))
    merged.sort(key=lambda d: (d.date, d.id))
    return merged


@dataclass(frozen=True)
class DeadlineWords:
    """What a deadline says in one locale, from the ruleset (not the catalogs)."""

    label: str
    notes: tuple[str, ...]
    """Each setting outcome's note on this deadline ("if you do not sign a new contract")."""
    steps: tuple[str, ...]
    """The steps of each outcome that set the deadline, filled, each once."""


def deadline_words(
    deadline: Deadline, assessment: Assessment, ruleset: Ruleset, locale: str
) -> DeadlineWords:
    """The label, notes and steps of ``deadline`` in ``locale``."""
    values = dict(assessment.values)
    fired = {outcome.id: outcome.outcome for outcome in assessment.outcomes}
    notes: list[str] = []
    steps: list[str] = []
    for outcome_id in deadline.outcome_ids:
        outcome = fired.get(outcome_id)
        if outcome is None:
            continue
        for rule in outcome.deadlines:
            if rule.id == deadline.id and rule.note is not None:
                notes.append(fill(rule.note, values, ruleset, locale))
        steps.extend(fill(step, values, ruleset, locale) for step in outcome.steps.get(locale))
    label = ruleset.header.deadlines[deadline.id].label.get(locale)
    return DeadlineWords(label, tuple(dict.fromkeys(notes)), tuple(dict.fromkeys(steps)))
