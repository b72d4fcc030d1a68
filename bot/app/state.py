"""The interview state as plain strings: what storage keeps and what a web form carries.

Why strings: a stored row and a hidden form field hold text. Answers are stored as
the option value, an ISO date or the digits of a number; :func:`decode_answers`
turns them back into the values the core evaluates (numbers become ints, dates stay
ISO strings — the engine reads both).

The state itself is :class:`bot.core.interview.Interview` (answers + the pending
question). :class:`FormState` is its plain form for a channel that carries it
(the stateless web): ``FormState.of(state)`` to write, ``.interview(ruleset)`` to read.
Unknown question ids and values that are not options are dropped when reading, so a
tampered form cannot smuggle an answer the interview would never accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.core.answers import ParseError, parse_answer
from bot.core.interview import Interview
from bot.core.rules import Ruleset
from bot.storage import Interview as StoredInterview
from bot.storage import Storage


def encode_value(value: Any) -> str:
    """The text stored for an answer value (option value, ISO date or number)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def decode_value(ruleset: Ruleset, question_id: str, value: str) -> Any:
    """Stored answers are text; numbers come back as ints, dates stay ISO strings."""
    if ruleset.has_question(question_id) and ruleset.question(question_id).type == "integer":
        digits = value.strip()
        if digits.isdecimal():
            return int(digits)
    return value


def encode_answers(answers: Mapping[str, Any]) -> dict[str, str]:
    return {qid: encode_value(value) for qid, value in answers.items()}


def decode_answers(ruleset: Ruleset, answers: Mapping[str, str]) -> dict[str, Any]:
    return {qid: decode_value(ruleset, qid, value) for qid, value in answers.items()}


@dataclass(frozen=True)
class FormState:
    """The interview state as strings: ``answers`` (question id → stored text) and
    ``pending`` (the question on screen, when the person went Back or chose to change
    one; ``None`` means "the next unanswered one")."""

    answers: dict[str, str] = field(default_factory=dict)
    pending: str | None = None

    @classmethod
    def of(cls, state: Interview) -> FormState:
        return cls(encode_answers(state.answers), state.pending)

    def interview(self, ruleset: Ruleset, as_of: dt.date) -> Interview:
        """The state to give the use cases; answers that are not valid are dropped."""
        answers: dict[str, Any] = {}
        for qid, text in self.answers.items():
            if not isinstance(text, str) or not ruleset.has_question(qid):
                continue
            question = ruleset.question(qid)
            if question.type in ("choice", "yes_no"):
                if text in ruleset.option_values(question):
                    answers[qid] = text
                continue
            value = parse_answer(question, text, ruleset, as_of)
            if not isinstance(value, ParseError):
                answers[qid] = value
        pending = self.pending if self.pending and ruleset.has_question(self.pending) else None
        return Interview(answers=answers, pending=pending, private=True)  # a form keeps nothing


async def load_state(storage: Storage, ruleset: Ruleset, user_id: int) -> Interview:
    """The user's answers and pending question (empty for a new user)."""
    return state_of(ruleset, await storage.load_interview(user_id))


def state_of(ruleset: Ruleset, stored: StoredInterview) -> Interview:
    """The interview state of what storage read (``load_interview``)."""
    return Interview(
        answers=decode_answers(ruleset, stored.answers), pending=stored.pending_question
    )


async def save_state(storage: Storage, user_id: int, state: Interview, now: dt.datetime) -> None:
    """Replace the stored state with ``state`` in one transaction.

    Every answer is kept, also those whose question is no longer asked after an
    earlier answer changed: they count again if the user changes it back.
    """
    answers = encode_answers(state.answers)
    await storage.save_interview(user_id, answers, state.pending, list(answers), now)
