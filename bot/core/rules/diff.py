"""What a ruleset change does to people, before it is published.

Given the same answers judged under an old and a new ruleset on the same day,
count how many people would change overall status (and between which
statuses), and how many would see a deadline appear, disappear or move. Only
counts leave this module: no answers, no ids, nothing about any one person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from .engine import evaluate
from .ruleset import Ruleset


class _Dated(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def date(self) -> date: ...


class Judged(Protocol):
    """What `compare` reads: an `Assessment`, or the `Summary` of one that
    `bot.ops.reevaluate` returns from its worker processes."""

    @property
    def status(self) -> str: ...
    @property
    def deadlines(self) -> tuple[_Dated, ...]: ...


@dataclass(frozen=True)
class Change:
    """How one person's result differs (used for notices and for the counts)."""

    old_status: str
    new_status: str
    added: tuple[tuple[str, date], ...]
    removed: tuple[tuple[str, date], ...]
    moved: tuple[tuple[str, date, date], ...]

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status

    @property
    def deadlines_changed(self) -> bool:
        return bool(self.added or self.removed or self.moved)

    @property
    def any(self) -> bool:
        return self.status_changed or self.deadlines_changed


def compare(old: Judged, new: Judged) -> Change:
    """The difference between two assessments of the same answers."""
    before = {d.id: d.date for d in old.deadlines}
    after = {d.id: d.date for d in new.deadlines}
    added = tuple(sorted((k, v) for k, v in after.items() if k not in before))
    removed = tuple(sorted((k, v) for k, v in before.items() if k not in after))
    moved = tuple(
        sorted(
            (k, before[k], after[k]) for k in before.keys() & after.keys() if before[k] != after[k]
        )
    )
    return Change(old.status, new.status, added, removed, moved)


@dataclass
class DiffSummary:
    """Counts only."""

    people: int = 0
    unchanged: int = 0
    status_changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    deadline_added: Counter[str] = field(default_factory=Counter)
    deadline_removed: Counter[str] = field(default_factory=Counter)
    deadline_moved: Counter[str] = field(default_factory=Counter)
    deadlines_changed: int = 0

    def add(self, change: Change) -> None:
        self.people += 1
        if not change.any:
            self.unchanged += 1
            return
        if change.status_changed:
            self.status_changes[(change.old_status, change.new_status)] += 1
        if change.deadlines_changed:
            self.deadlines_changed += 1
        self.deadline_added.update(k for k, _ in change.added)
        self.deadline_removed.update(k for k, _ in change.removed)
        self.deadline_moved.update(k for k, _, _ in change.moved)

    def lines(self) -> list[str]:
        """A short report for the admin."""
        out = [
            f"{self.people} checked, {self.unchanged} unchanged, "
            f"{sum(self.status_changes.values())} change status, "
            f"{self.deadlines_changed} see deadlines change"
        ]
        for (old, new), count in sorted(self.status_changes.items()):
            out.append(f"  status {old} → {new}: {count}")
        for label, counter in (
            ("new deadline", self.deadline_added),
            ("deadline gone", self.deadline_removed),
            ("deadline moved", self.deadline_moved),
        ):
            for deadline_id, count in sorted(counter.items()):
                out.append(f"  {label} {deadline_id}: {count}")
        return out


def diff_rulesets(
    answer_sets: Iterable[Mapping[str, Any]], as_of: date, old: Ruleset, new: Ruleset
) -> DiffSummary:
    """Judge every answer set under both rulesets and count what changes."""
    summary = DiffSummary()
    for answers in answer_sets:
        summary.add(compare(evaluate(answers, as_of, old), evaluate(answers, as_of, new)))
    return summary
