"""The ruleset schema: what an admin may write in `rules/`, and nothing else.

Every model forbids unknown keys (a misspelled key is an error, not silently
ignored — the PolicyEngine #505 lesson) and every user-visible text must exist
in all five locales. Cross references (question ids, option values, parameter
names, source ids) are checked later by the loader, which knows every file.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    create_model,
    field_validator,
)

from bot.core.locales import LOCALES as LOCALES  # re-exported: the rules schema names them

STATUSES: tuple[str, ...] = (
    "legal",
    "action_needed",
    "irregular",
    "controlled",
    "entry_banned",
    "unclear",
)
"""The overall statuses of DESIGN.md."""

OUTCOME_STATUSES = (*STATUSES, "info")
"""An outcome may also be `info`: advice that never changes the overall status."""

IDENT = r"^[a-z][a-z0-9_]*$"
SOURCE_ID = r"^S[0-9]+[a-z]?$"

Ident = Annotated[str, Field(pattern=IDENT, max_length=64)]
SourceId = Annotated[str, Field(pattern=SOURCE_ID)]
Expression = Annotated[str, Field(min_length=1, max_length=2000)]


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _TextBase(Strict):
    def get(self, locale: str) -> str:
        return str(getattr(self, locale if locale in LOCALES else "ru"))


class _TextListBase(Strict):
    def get(self, locale: str) -> list[str]:
        return list(getattr(self, locale if locale in LOCALES else "ru"))


def _same_length(cls: type[BaseModel], value: list[str], info: object) -> list[str]:
    data = getattr(info, "data", {})
    russian = data.get("ru")
    if russian is not None and len(value) != len(russian):
        raise ValueError(
            f"has {len(value)} steps but ru has {len(russian)}; every locale needs the same steps"
        )
    return value


# One field per locale of the registry (bot/core/locales.py): a new language needs no
# change here, only its texts in rules/.
if TYPE_CHECKING:

    class Text(_TextBase):
        """One user-visible text in every locale. None may be missing or empty."""

    class TextList(_TextListBase):
        """A list of user-visible lines (next steps) in every locale, same length in each."""

else:
    Text = create_model(
        "Text",
        __base__=_TextBase,
        __doc__="One user-visible text in every locale. None may be missing or empty.",
        **{code: (StrictStr, Field(min_length=1)) for code in LOCALES},
    )
    TextList = create_model(
        "TextList",
        __base__=_TextListBase,
        __doc__="A list of user-visible lines (next steps) in every locale, same length in each.",
        __validators__={"_same_length": field_validator(*LOCALES[1:])(classmethod(_same_length))},
        **{
            code: (list[Annotated[StrictStr, Field(min_length=1)]], Field(min_length=1))
            for code in LOCALES
        },
    )


# --------------------------------------------------------------------------- ruleset.yaml


class StatusText(Strict):
    title: Text
    summary: Text


class DeadlineKind(Strict):
    """A deadline id used by outcomes, with its user-visible name."""

    label: Text
    answer: Ident | None = None
    """The question whose answer changes once the task is done. A reminder's "Yes,
    done" asks it again, so the result and the reminders follow the new answer.
    Without it (or when this person is not asked that question) the user gets the
    list of their answers to pick from."""
    payment: bool = False
    """A payment deadline: its reminder offers "I have paid" and asks for the new
    paid-until date."""


class RulesetHeader(Strict):
    """`ruleset.yaml`: identity, review date and the texts shared by every outcome."""

    ruleset: Literal["hamroh"]
    jurisdiction: StrictStr
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    content_reviewed: date
    statuses: dict[Literal[STATUSES], StatusText]  # type: ignore[valid-type]
    labels: dict[Ident, Text]
    deadlines: dict[Ident, DeadlineKind]
    disclaimer: Text
    scam_warning: Text
    uncertain_note: Text
    calendar_note: Text
    """Shown by a deadline that a year's missing decree could move; `{days}` is how far."""

    @field_validator("statuses")
    @classmethod
    def _all_statuses(cls, value: dict[str, StatusText]) -> dict[str, StatusText]:
        missing = [s for s in STATUSES if s not in value]
        if missing:
            raise ValueError(f"missing status texts: {', '.join(missing)}")
        return value


# --------------------------------------------------------------------------- sources / contacts


class Source(Strict):
    title: StrictStr = Field(min_length=1)
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]


class Contact(Strict):
    id: Ident
    name: Text
    how: Text
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    phone: Annotated[str, Field(pattern=r"^\+[0-9 ()-]{7,20}$")] | None = None
    hours: StrictStr | None = None
    for_citizenship: list[StrictStr] | None = None
    sources: list[SourceId] = Field(min_length=1)
    last_checked: date


class ContactsFile(Strict):
    contacts: list[Contact] = Field(min_length=1)


class SourcesFile(Strict):
    sources: dict[SourceId, Source] = Field(min_length=1)


# --------------------------------------------------------------------------- calendar


class CalendarTransfer(Strict):
    """One transfer of a decree: the day off of `from` (a weekend day) moves to `to`."""

    from_day: date = Field(alias="from")
    to_day: date = Field(alias="to")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CalendarYear(Strict):
    """The government's decree for one year: its transfers of days off.

    The holidays themselves come from the Labour Code (computed in `dates.py`).
    `non_working` and `working_weekends` are the lists as published, optional,
    checked against the computed calendar.
    """

    decree: StrictStr = Field(min_length=1)
    sources: list[Annotated[str, Field(pattern=r"^https?://\S+$")]] = Field(min_length=1)
    transfers: list[CalendarTransfer] = Field(default_factory=list)
    non_working: list[StrictStr | date] = Field(default_factory=list)
    """Dates (`2025-01-01`) or inclusive ranges (`2025-01-01..2025-01-08`)."""
    working_weekends: list[date] = Field(default_factory=list)

    @field_validator("non_working")
    @classmethod
    def _dates_or_ranges(cls, value: list[str | date]) -> list[str | date]:
        for item in value:
            expand_days(item)
        return value


def expand_days(item: str | date) -> list[date]:
    """`2025-01-01` → one day; `2025-01-01..2025-01-08` → eight days (inclusive)."""
    if isinstance(item, date):
        return [item]
    first, sep, last = item.partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if sep else start
    except ValueError:
        raise ValueError(
            f"{item!r} is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)"
        ) from None
    if end < start:
        raise ValueError(f"range {item!r} ends before it starts")
    return [date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1)]


class CalendarFile(Strict):
    calendar: dict[StrictInt, CalendarYear] = Field(min_length=1)


# --------------------------------------------------------------------------- parameters


ParamValue = StrictInt | StrictStr | bool | date


def _dates_from_text(value: object) -> object:
    """A parameter written as `2025-09-10` is a date, not text."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    return value


class ParameterPeriod(Strict):
    """Values in force from `since` until the next period starts."""

    since: date
    value: ParamValue
    by_citizenship: dict[StrictStr, ParamValue] = Field(default_factory=dict)

    @field_validator("value", mode="before")
    @classmethod
    def _value_date(cls, value: object) -> object:
        return _dates_from_text(value)

    @field_validator("by_citizenship", mode="before")
    @classmethod
    def _by_citizenship_dates(cls, value: object) -> object:
        if isinstance(value, dict):
            return {key: _dates_from_text(item) for key, item in value.items()}
        return value


class Parameter(Strict):
    description: StrictStr = Field(min_length=1)
    sources: list[SourceId] = Field(min_length=1)
    history: list[ParameterPeriod] = Field(min_length=1)

    @field_validator("history")
    @classmethod
    def _ordered(cls, value: list[ParameterPeriod]) -> list[ParameterPeriod]:
        dates = [p.since for p in value]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("periods must be in increasing `since` order, without repeats")
        return value


class ParametersFile(Strict):
    parameters: dict[Ident, Parameter] = Field(min_length=1)


# --------------------------------------------------------------------------- questions


class Option(Strict):
    value: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
    label: Text | None = None
    """Omit for values that have a shared label in ruleset.yaml (`yes`, `no`, `unknown`, ...)."""
    aliases: list[StrictStr] = Field(default_factory=list)
    """Extra words a user may type for this option (matched forgivingly)."""
    only_if: Expression | None = None
    """Offer this option only when the condition holds (it may read only earlier
    questions, like `ask_if`): no patent button for a citizen of the EAEU. The
    engine still judges a stored answer it does not offer (an answer given before
    an earlier one changed), so the rules keep their own checks for that."""


QuestionType = Literal["choice", "yes_no", "date", "integer"]


class Question(Strict):
    id: Ident
    type: QuestionType
    label: Text
    """A short name for the answer, e.g. "Entry date", used in summaries and explanations."""
    text: Text
    why: Text
    hint: Text | None = None
    ask_if: Expression | None = None
    options: list[Option] = Field(default_factory=list)
    min: StrictInt | None = None
    max: StrictInt | None = None
    dates: Literal["past", "future", "any"] = "any"

    @field_validator("options")
    @classmethod
    def _unique_values(cls, value: list[Option]) -> list[Option]:
        seen = [o.value for o in value]
        dupes = sorted({v for v in seen if seen.count(v) > 1})
        if dupes:
            raise ValueError(f"option values repeat: {', '.join(dupes)}")
        return value


class QuestionsFile(Strict):
    questions: list[Question] = Field(min_length=1)


# --------------------------------------------------------------------------- derived values


class Derived(Strict):
    """A named intermediate value (a date, a count, a flag) computed from answers."""

    id: Ident
    value: Expression
    label: Text
    """How the value is named in explanations, e.g. "days spent in Russia this year"."""


class DerivedFile(Strict):
    derived: list[Derived] = Field(default_factory=list)


# --------------------------------------------------------------------------- outcomes


class Clause(Strict):
    """One condition of an outcome and the plain words that explain it."""

    check: Expression = Field(alias="if")
    because: Text

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Deadline(Strict):
    id: Ident
    date: Expression
    remind_days_before: list[Annotated[int, Field(ge=0, le=366)]] = Field(default_factory=list)
    note: Text | None = None


class Outcome(Strict):
    id: Ident
    status: Literal[OUTCOME_STATUSES]  # type: ignore[valid-type]
    when: list[Clause] = Field(min_length=1)
    title: Text
    steps: TextList
    deadlines: list[Deadline] = Field(default_factory=list)
    legal_basis: Text
    sources: list[SourceId] = Field(min_length=1)
    last_reviewed: date
    valid_from: date | None = None
    valid_until: date | None = None
    uncertain: Text | None = None
    """Set where the reference marks a fact uncertain: shown with the official check."""
    review_by: date | None = None
    """For a draft or pending bill: the day to check it again (`rules check` warns
    once `content_reviewed` has passed it)."""
    scam_warning: bool = False
    contacts: list[Ident] = Field(default_factory=list)
    overdue: bool = False
    """The outcome says a deadline has already passed (registration late, patent
    lapsed): the result card says it first, before any status that reads calmer."""
    step_if: dict[Annotated[int, Field(ge=1)], Expression] = Field(default_factory=dict)
    """Step number (from 1) → condition on the answers: the step is shown only when it
    holds (the Belarus exemption only to Belarusians, Moscow rules only in Moscow)."""

    @field_validator("deadlines")
    @classmethod
    def _unique_deadlines(cls, value: list[Deadline]) -> list[Deadline]:
        ids = [d.id for d in value]
        if len(set(ids)) != len(ids):
            raise ValueError("a deadline id appears twice in one outcome")
        return value


class OutcomesFile(Strict):
    outcomes: list[Outcome] = Field(min_length=1)


# --------------------------------------------------------------------------- rule tests


AnswerValue = StrictInt | StrictStr | date


class RuleTestExpect(Strict):
    status: Literal[STATUSES]  # type: ignore[valid-type]
    outcomes: list[Ident] | None = None
    """The exact set of outcome ids that must fire (order does not matter)."""
    includes: list[Ident] = Field(default_factory=list)
    excludes: list[Ident] = Field(default_factory=list)
    deadlines: dict[Ident, date | None] = Field(default_factory=dict)
    """Deadline id → expected date; `null` means the deadline must be absent."""
    may_move: dict[Ident, int | None] = Field(default_factory=dict)
    """Deadline id → up to how many days a missing decree may move it; `null`: it cannot."""


class RuleTest(Strict):
    name: StrictStr = Field(min_length=1)
    as_of: date
    answers: dict[Ident, AnswerValue]
    expect: RuleTestExpect


class RuleTestsFile(Strict):
    tests: list[RuleTest] = Field(min_length=1)


DATE_LITERAL = re.compile(r"""\bdate\(\s*["']([^"']*)["']\s*\)""")
"""`date("2025-09-10")` calls in expressions, checked when the ruleset loads."""
