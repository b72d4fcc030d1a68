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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from .answers import ParseError, is_back, parse_answer
from .rules.engine import (
    asked_and_counted,
    asked_questions,
    coerce_answer,
    effective_answers,
    walk_on,
)
from .rules.expressions import Guard, to_cel
from .rules.model import Question
from .rules.ruleset import Ruleset


@dataclass(frozen=True)
class Interview:
    """Answers so far (question id → stored value) and the question being shown."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    pending: str | None = None
    """A question the user chose to see again (Back, Change); None means "the next one"."""
    private: bool = field(default=False, compare=False)
    """True: nothing worked out from these answers goes into the tables this process
    shares between people (the walks and likely lengths of the same deciding answers).
    The web keeps nothing about a person, not even in memory, so its states say True;
    the states made from this one (an answer, Back) carry it on."""
    _asked: dict[tuple[str, date], tuple[Question, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _counted: dict[tuple[str, date], Mapping[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _likely: dict[tuple[str, date], int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _current: dict[tuple[str, date], Question | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _origin: dict[str, tuple[Interview, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """The state this one was made from by one answer, and that question (`give_answer`):
    its walk goes on from there instead of starting over. Dropped once used."""

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
            earlier = self._earlier(ruleset, as_of)
            if self.private:
                if earlier is None:
                    asked, counted = asked_and_counted(self.answers, ruleset, as_of)
                else:
                    asked, counted = walk_on(self.answers, ruleset, as_of, *earlier)
                walk = self._asked[key] = tuple(asked)
                self._counted[key] = counted
            else:
                walk = self._asked[key] = _shared_walk(self.answers, ruleset, as_of, earlier)
        return walk

    def _earlier(
        self, ruleset: Ruleset, as_of: date
    ) -> tuple[str, tuple[Question, ...], Mapping[str, Any]] | None:
        """The answered question and the walk of the state before it, if that was walked."""
        origin = self._origin.pop("from", None)
        if origin is None:
            return None
        parent, question_id = origin
        if (ruleset.fingerprint, as_of) not in parent._asked:
            return None
        return question_id, parent.asked(ruleset, as_of), parent.counted(ruleset, as_of)

    def counted(self, ruleset: Ruleset, as_of: date) -> Mapping[str, Any]:
        """`effective_answers` of these answers: from the walk `asked` makes (read only)."""
        key = (ruleset.fingerprint, as_of)
        if key not in self._counted:
            walk = self.asked(ruleset, as_of)
            if key not in self._counted:  # a shared walk: the answers of its questions
                self._counted[key] = {
                    q.id: coerce_answer(self.answers[q.id]) for q in walk if q.id in self.answers
                }
        return self._counted[key]

    def likely_length(self, ruleset: Ruleset, as_of: date) -> int:
        """`likely_length` of these answers, worked out once per ruleset and day.

        Looked up among the lengths of everyone with the same deciding answers (a
        process-wide table keyed by those answers), unless the state is `private` (the
        web's): then it is worked out for this state alone and goes with it.
        """
        key = (ruleset.fingerprint, as_of)
        length = self._likely.get(key)
        if length is None:
            if not self.private:
                length = _shared_likely_length(self.answers, ruleset, as_of)
            else:
                length = likely_length(
                    self.answers,
                    ruleset,
                    as_of,
                    asked=self.asked(ruleset, as_of),
                    counted=self.counted(ruleset, as_of),
                )
            self._likely[key] = length
        return length


_LIKELY: dict[tuple[str, date, frozenset[tuple[str, str]]], int] = {}
_LIKELY_LIMIT = 4096
_WALKS: dict[tuple[str, date, tuple[tuple[str, type, Any], ...]], tuple[Question, ...]] = {}
_WALKS_LIMIT = 4096


@dataclass(frozen=True)
class _Readers:
    """What one ruleset's conditions read, worked out once per ruleset."""

    deciding: frozenset[str]
    """Questions some `ask_if` reads: their answers change which questions follow."""
    likely: frozenset[str]
    """Those and the questions some option's `only_if` reads: the likely length's key."""
    walk: tuple[str, ...] | None
    """The deciding questions in order: the walk's key (``None``: it cannot be shared)."""


_READERS: dict[str, _Readers] = {}
"""`_Readers` per ruleset fingerprint: a few rulesets at most."""


def forget_shared_tables() -> None:
    """Empty the tables shared between people.

    Called after /forget: their keys are answers (no user id, but still made from what
    someone told us), so nothing worked out from the person's answers stays in memory.
    """
    _LIKELY.clear()
    _WALKS.clear()


def _readers(ruleset: Ruleset) -> _Readers:
    found = _READERS.get(ruleset.fingerprint)
    if found is None:
        if len(_READERS) >= 8:
            _READERS.clear()
        deciding = _read_by_ask_ifs(ruleset)
        found = _READERS[ruleset.fingerprint] = _Readers(
            deciding=deciding,
            likely=deciding | _option_condition_reads(ruleset),
            walk=tuple(sorted(deciding)) if ruleset.plan.stage_answers else None,
        )
    return found


def _shared_walk(
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    earlier: tuple[str, tuple[Question, ...], Mapping[str, Any]] | None = None,
) -> tuple[Question, ...]:
    """`asked_questions`, shared by everyone who gave the same deciding answers.

    Why: each update of the bot walks the questions of the state it loaded (is the
    tapped button current?) and of the new one, and a walk costs more than the rest of
    choosing the next question. Which questions are asked depends only on the answers
    some `ask_if` reads (and on the day), as long as every `ask_if` reads only earlier
    questions (`plan.stage_answers`, checked by the loader); otherwise nothing is shared.
    """
    readers = _readers(ruleset).walk
    if readers is None:
        return tuple(_walk(answers, ruleset, as_of, earlier))
    key = (
        ruleset.fingerprint,
        as_of,
        tuple((qid, type(answers[qid]), answers[qid]) for qid in readers if qid in answers),
    )
    walk = _WALKS.get(key)
    if walk is None:
        if len(_WALKS) >= _WALKS_LIMIT:
            _WALKS.clear()
        walk = _WALKS[key] = tuple(_walk(answers, ruleset, as_of, earlier))
    return walk


def _walk(
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    earlier: tuple[str, tuple[Question, ...], Mapping[str, Any]] | None,
) -> list[Question]:
    if earlier is None:
        return asked_questions(answers, ruleset, as_of)
    return walk_on(answers, ruleset, as_of, *earlier)[0]


def _shared_likely_length(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> int:
    """`likely_length`, shared by everyone who gave the same deciding answers.

    Why it can be shared: only the answers some `ask_if` or option `only_if` reads
    change which questions are asked, so the likely length depends on those alone
    (most people share a few prefixes: "UZ, in Russia, patent"). A walk ahead costs
    about 0.7 ms; a step of the bot costs about 1.5 ms in all (BENCHMARKS.md, 1).
    """
    readers = _readers(ruleset).likely
    key = (
        ruleset.fingerprint,
        as_of,
        frozenset((qid, str(answers[qid])) for qid in readers if qid in answers),
    )
    length = _LIKELY.get(key)
    if length is None:
        if len(_LIKELY) >= _LIKELY_LIMIT:
            _LIKELY.clear()
        length = _LIKELY[key] = likely_length(answers, ruleset, as_of)
    return length


def next_question(answers: Mapping[str, Any], ruleset: Ruleset, as_of: date) -> Question | None:
    """The first question still to answer, or None when the interview is complete."""
    return _first_unanswered(asked_questions(answers, ruleset, as_of), answers)


def _first_unanswered(asked: Sequence[Question], answers: Mapping[str, Any]) -> Question | None:
    return next((question for question in asked if question.id not in answers), None)


def current_question(state: Interview, ruleset: Ruleset, as_of: date) -> Question | None:
    """The question to show now: the pending one if it is still asked, else the next.

    Kept on the state per ruleset and day, like its walk: one update asks it of the
    same state for the screen, the progress line, the options and the buttons' check.
    """
    key = (ruleset.fingerprint, as_of)
    if key in state._current:
        return state._current[key]
    asked = state.asked(ruleset, as_of)
    found = None
    if state.pending is not None:
        found = next((question for question in asked if question.id == state.pending), None)
    if found is None:
        found = _first_unanswered(asked, state.answers)
    state._current[key] = found
    return found


def is_complete(state: Interview, ruleset: Ruleset, as_of: date) -> bool:
    return current_question(state, ruleset, as_of) is None


def offered_options(
    question: Question,
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    *,
    counted: Mapping[str, Any] | None = None,
) -> list[str]:
    """The option values to offer for `question` given the answers so far.

    An option with `only_if` is offered only when its condition holds for the
    answers that count (no "patent" button for a Kyrgyz citizen). A condition that
    cannot be decided (it reads an unanswered question) offers the option: hiding a
    right answer is worse than showing one too many. `counted`: the answers that
    count, when the caller has them (`Interview.counted`), to save a walk.
    """
    values = ruleset.option_values(question)
    conditions = ruleset.option_conditions(question)
    if not conditions:
        return values
    if counted is None:
        counted = effective_answers(answers, ruleset, as_of)
    context: list[Any] = []  # made when a condition needs CEL

    def cel_context() -> Any:
        if not context:
            values = {qid: to_cel(coerce_answer(value)) for qid, value in counted.items()}
            context.append(ruleset.plan.context(as_of, values).cel)
        return context[0]

    offered: list[str] = []
    for value in values:
        source = conditions.get(value)
        if source is None or _holds_or_undecided(ruleset, source, counted, cel_context):
            offered.append(value)
    return offered


def _holds_or_undecided(
    ruleset: Ruleset, source: str, counted: Mapping[str, Any], cel_context: Callable[[], Any]
) -> bool:
    compiled = ruleset.compiled[source]
    if any(counted.get(name) is None for name in compiled.variables if ruleset.has_question(name)):
        return True
    truth = compiled.truth  # `citizenship in [...]` of a text: what CEL says, without CEL
    if (
        isinstance(truth, Guard)
        and truth.kind == "literal"
        and isinstance(counted.get(truth.name), str)
    ):
        return truth.holds(counted)
    try:
        return compiled.run(cel_context()) is not False
    except Exception:  # a null or type error: undecided
        return True


def offered_question(
    question: Question, answers: Mapping[str, Any], ruleset: Ruleset, as_of: date
) -> Question:
    """`question` with only the options offered now, for reading what the user typed."""
    if not any(o.only_if for o in question.options):
        return question
    offered = set(offered_options(question, answers, ruleset, as_of))
    kept = [o for o in question.options if o.value in offered]
    return question.model_copy(update={"options": kept})


def give_answer(state: Interview, question_id: str, value: Any) -> Interview:
    """Record a valid stored value and move on to the next question.

    The new state's walk goes on from `question_id` (nothing before it changed), when
    `state` was walked already; a state not walked is not held on to.
    """
    answers = dict(state.answers)
    answers[question_id] = value
    new_state = replace(state, answers=answers, pending=None)
    if state._asked:
        new_state._origin["from"] = (state, question_id)
    return new_state


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
    value = parse_answer(
        offered_question(question, state.answers, ruleset, as_of), text, ruleset, as_of
    )
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
    """(position of the current question, questions on the likely path), for
    "question 3 of about 12".

    The total is the length of the path the interview is most likely to take from
    here (see `likely_length`), never less than the questions already known to be
    asked. It is an estimate, so screens say "about"; it settles as answers come.
    """
    asked = state.asked(ruleset, as_of)
    current = current_question(state, ruleset, as_of)
    if current is None:
        return len(asked), len(asked)
    ids = [q.id for q in asked]
    likely = state.likely_length(ruleset, as_of)
    return ids.index(current.id) + 1, max(len(asked), likely)


def likely_length(
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    *,
    asked: Sequence[Question] | None = None,
    counted: Mapping[str, Any] | None = None,
) -> int:
    """How many questions this person will most likely be asked in all.

    Walks on from the answers given: each question still open gets a stand-in
    answer, and the walk is repeated until nothing is left to ask. A question that
    decides whether later ones are asked gets the stand-in that opens the most of
    them (a patent, not "nothing"; being in Russia, not planning to come): the count
    may shrink as real answers close branches but does not keep growing, which
    would make "3 of 12" a promise broken at question 13. `asked` and `counted`: the
    walk of these answers, when the caller has it (`Interview.asked`, `.counted`), to
    save one. Each stand-in tried walks on from its question (`walk_on`), not from the
    start: nothing before it changes.
    """
    probes: dict[str, Any] = dict(answers)
    deciders = _deciding_questions(ruleset)
    if asked is None or counted is None:
        walk, walk_counted = asked_and_counted(probes, ruleset, as_of)
    else:
        walk, walk_counted = list(asked), dict(counted)
    index = 0  # every question asked before this one has an answer or a stand-in
    last = _last_open_decider(walk, probes, deciders)
    for _ in range(len(ruleset.questions)):
        while index < len(walk) and walk[index].id in probes:
            index += 1
        if index == len(walk) or index > last:  # stand-ins for the rest change no walk
            break
        question = walk[index]
        candidates = _stand_ins(question, probes, ruleset, as_of, walk_counted)
        if question.id not in deciders:  # no ask_if reads it: the walk stays the same
            probes[question.id] = candidates[0]
            walk_counted[question.id] = coerce_answer(candidates[0])
            continue
        best: tuple[list[Question], dict[str, Any], Any] | None = None
        for candidate in candidates:
            tried, tried_counted = walk_on(
                {**probes, question.id: candidate}, ruleset, as_of, question.id, walk, walk_counted
            )
            if best is None or len(tried) > len(best[0]):
                best = (tried, tried_counted, candidate)
        assert best is not None
        walk, walk_counted, probes[question.id] = best
        last = _last_open_decider(walk, probes, deciders)
    return len(walk)


def _last_open_decider(
    walk: Sequence[Question], probes: Mapping[str, Any], deciders: frozenset[str]
) -> int:
    """Where in `walk` the last question is that some `ask_if` reads and that has no
    answer yet (-1: none). Past it, giving stand-ins changes no walk."""
    for index in range(len(walk) - 1, -1, -1):
        if walk[index].id in deciders and walk[index].id not in probes:
            return index
    return -1


def _deciding_questions(ruleset: Ruleset) -> frozenset[str]:
    """Questions read by some `ask_if`: their answers change which questions follow."""
    return _readers(ruleset).deciding


def _read_by_ask_ifs(ruleset: Ruleset) -> frozenset[str]:
    return frozenset(
        name
        for question in ruleset.questions
        if question.ask_if is not None
        for name in ruleset.compiled[question.ask_if].variables
    )


def _option_condition_reads(ruleset: Ruleset) -> frozenset[str]:
    """Questions read by some option's `only_if`: they change which options are offered."""
    return frozenset(
        name
        for question in ruleset.questions
        for option in question.options
        if option.only_if is not None
        for name in ruleset.compiled[option.only_if].variables
    )


def _stand_ins(
    question: Question,
    answers: Mapping[str, Any],
    ruleset: Ruleset,
    as_of: date,
    counted: Mapping[str, Any],
) -> list[Any]:
    """Answers to try for an open question: its offered options, a date, a number."""
    options: list[Any] = list(offered_options(question, answers, ruleset, as_of, counted=counted))
    if question.type == "date":
        past = (as_of - timedelta(days=30)).isoformat()
        future = (as_of + timedelta(days=30)).isoformat()
        return [past, future, *options] if question.dates != "future" else [future, *options]
    if question.type == "integer":
        return [question.min if question.min is not None else 0, *options]
    return options or ["unknown"]


def reaching(
    question_id: str, ruleset: Ruleset, as_of: date, limit: int = 5000
) -> Interview | None:
    """A state whose next question is `question_id`: stand-in answers to the questions
    before it that lead there (None if none do, within `limit` tries).

    For showing what every question looks like without a person (the web makes the
    parts of pages that are the same for everyone at start): only the questions the
    target's `ask_if` reads branch (and those their `ask_if` and their options'
    `only_if` read, in turn); any answer to the others leads on the same way.
    """
    target = ruleset.plan.walk_position.get(question_id)
    if target is None:
        return None
    deciders: set[str] = set()
    reading = [question_id]
    while reading:
        question = ruleset.question(reading.pop())
        conditions = [question.ask_if, *(o.only_if for o in question.options)]
        for condition in filter(None, conditions):
            for name in ruleset.compiled[condition].variables:
                if ruleset.has_question(name) and name not in deciders:
                    deciders.add(name)
                    reading.append(name)
    tries = 0

    def search(answers: dict[str, Any]) -> dict[str, Any] | None:
        nonlocal tries
        tries += 1
        asked, counted = asked_and_counted(answers, ruleset, as_of)
        current = _first_unanswered(asked, answers)
        if current is None or tries > limit:
            return None
        if current.id == question_id:
            return answers
        if ruleset.plan.walk_position[current.id] > target:
            return None
        candidates = _stand_ins(current, answers, ruleset, as_of, counted)
        for value in candidates if current.id in deciders else candidates[:1]:
            found = search({**answers, current.id: value})
            if found is not None:
                return found
        return None

    found = search({})
    return None if found is None else Interview(found, private=True)
