"""The questionnaire as a pure state machine: which question next, back, change.

State is just the stored answers plus the question on screen (`pending`). The
next question is always the first one, in ruleset order, that is needed by
some rule, whose `ask_if` holds, and that has no answer yet. So:

- changing an answer keeps every other answer; answers to questions that are no
  longer asked stay stored (and come back if the user changes their mind) but
  stop counting (see `engine.effective_answers`);
- Back goes to the previous question that would be asked, in ruleset order;
- when nothing is left to ask, the interview is complete and the engine runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from .answers import ParseError, is_back, parse_answer
from .rules.engine import asked_questions
from .rules.model import Question
from .rules.ruleset import Ruleset


@dataclass(frozen=True)
class Interview:
    """Answers so far (question id → stored value) and the question being shown."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    pending: str | None = None
    """A question the user chose to see again (Back, Change); None means "the next one"."""
    _asked: dict[tuple[str, date], tuple[Question, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def asked(self, ruleset: Ruleset, as_of: date) -> tuple[Question, ...]:
        """The questions asked with these answers, worked out once per ruleset and day.

        Why cached on the state: one update asks "which question now?", "how far along?"
        and "is this button still current?" of the same state, and each answer is a
        walk over the questions with their conditions. The state is immutable, so the
        walk cannot go stale.
        """
        key = (ruleset.fingerprint, as_of)
        walk = self._asked.get(key)
        if walk is None:
            walk = self._asked[key] = tuple(asked_questions(self.answers, ruleset, as_of))
        return walk


def next_question(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> Question | None:
    """The first question still to answer, or None when the interview is complete."""
    return _first_unanswered(asked_questions(answers, ruleset, as_of), answers)


def _first_unanswered(asked: Sequence[Question], answers: Mapping[str, Any]) -> Question | None:
    return next((question for question in asked if question.id not in answers), None)


def current_question(state: Interview, ruleset: Ruleset, as_of: date) -> Question | None:
    """The question to show now: the pending one if it is still asked, else the next."""
    asked = state.asked(ruleset, as_of)
    if state.pending is not None:
        for question in asked:
            if question.id == state.pending:
                return question
    return _first_unanswered(asked, state.answers)


def is_complete(state: Interview, ruleset: Ruleset, as_of: date) -> bool:
    return current_question(state, ruleset, as_of) is None


def give_answer(state: Interview, question_id: str, value: Any) -> Interview:
    """Record a valid stored value and move on to the next question."""
    answers = dict(state.answers)
    answers[question_id] = value
    return Interview(answers=answers, pending=None)


@dataclass(frozen=True)
class Typed:
    """What a typed message did: the new state and what was understood, or why not.

    `value` is the stored value given to `question` (an ISO date for a date
    question), so the adapter can repeat what was understood — «20.11» typed on
    1 December is written back as 20 November of this year, and a wrong guess is
    visible at once. `went_back` is set when the text was the word for Back.
    """

    state: Interview
    question: Question | None = None
    value: Any = None
    error: ParseError | None = None
    went_back: bool = False

    @property
    def understood_date(self) -> date | None:
        """The date understood for a date question (None for an option or on error)."""
        if self.error is not None or self.question is None or self.question.type != "date":
            return None
        try:
            return date.fromisoformat(self.value) if isinstance(self.value, str) else None
        except ValueError:
            return None


def take_text(state: Interview, text: str, ruleset: Ruleset, as_of: date) -> Typed:
    """Typed text on the current question: Back, an answer, or an error (state unchanged)."""
    question = current_question(state, ruleset, as_of)
    if is_back(text):
        return Typed(back(state, ruleset, as_of), question, went_back=True)
    if question is None:
        return Typed(state, error=ParseError("no_question"))
    value = parse_answer(question, text, ruleset, as_of)
    if isinstance(value, ParseError):
        return Typed(state, question, error=value)
    return Typed(give_answer(state, question.id, value), question, value)


def answer_text(
    state: Interview, text: str, ruleset: Ruleset, as_of: date
) -> tuple[Interview, ParseError | None]:
    """Answer the current question with typed text; on error the state is unchanged.

    The word for Back («назад», «артка», «бозгашт», «orqaga») goes back instead.
    """
    typed = take_text(state, text, ruleset, as_of)
    return typed.state, typed.error


def back(state: Interview, ruleset: Ruleset, as_of: date) -> Interview:
    """Show the question before the current one (or the last one, from the result)."""
    asked = state.asked(ruleset, as_of)
    current = current_question(state, ruleset, as_of)
    ids = [q.id for q in asked]
    if current is None:
        answered = [q for q in ids if q in state.answers]
        return replace(state, pending=answered[-1]) if answered else state
    position = ids.index(current.id)
    if position == 0:
        return replace(state, pending=current.id)
    return replace(state, pending=ids[position - 1])


def change(state: Interview, question_id: str, ruleset: Ruleset, as_of: date) -> Interview:
    """Show an earlier question again so the user can change that one answer."""
    if question_id not in {q.id for q in state.asked(ruleset, as_of)}:
        return state
    return replace(state, pending=question_id)


def progress(state: Interview, ruleset: Ruleset, as_of: date) -> tuple[int, int]:
    """(position of the current question, questions expected in all), for "3/9".

    The total counts the questions already known to be asked plus those whose
    condition still depends on a question not answered yet, so it starts high
    and shrinks as answers close branches ("1/2" on the first question would
    promise a two-question interview that then keeps growing).
    """
    asked = state.asked(ruleset, as_of)
    current = current_question(state, ruleset, as_of)
    open_ids = {q.id for q in asked if q.id not in state.answers}
    undecided = 0
    asked_ids = {q.id for q in asked}
    for question in ruleset.questions:
        if question.id in asked_ids or question.id not in ruleset.needed_questions:
            continue
        if question.ask_if is None:
            continue
        reads = ruleset.compiled[question.ask_if].variables
        if reads & open_ids:
            undecided += 1
            open_ids.add(question.id)
    total = len(asked) + undecided
    if current is None:
        return len(asked), len(asked)
    ids = [q.id for q in asked]
    return ids.index(current.id) + 1, total
