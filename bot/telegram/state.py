"""The interview state as stored: read on every update, written after every step.

Why nothing lives in memory: the bot may restart (deploy, crash) between two taps
of a user, and with a webhook behind a load balancer the next update may reach
another process. So each handler loads the answers from storage, lets the pure
core (:mod:`bot.core.interview`) compute the next state, and saves it before replying.

The *token* is a short fingerprint of the state, put into every button that acts
on it. A button pressed after the state moved on (a double tap, a message from last
week) carries an old token and is refused, so it never changes an answer silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from bot.core.interview import Interview
from bot.core.rules import Ruleset
from bot.storage import Storage

TOKEN_LENGTH = 6


def _decode(ruleset: Ruleset, question_id: str, value: str) -> Any:
    """Stored answers are text; numbers come back as ints, dates stay ISO strings."""
    if ruleset.has_question(question_id) and ruleset.question(question_id).type == "integer":
        digits = value.strip()
        if digits.isdigit():
            return int(digits)
    return value


def encode_value(value: Any) -> str:
    """The text stored for an answer value (option value, ISO date or number)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


async def load_state(storage: Storage, ruleset: Ruleset, user_id: int) -> Interview:
    """The user's answers and pending question (empty for a new user)."""
    stored = await storage.load_interview(user_id)
    answers = {qid: _decode(ruleset, qid, value) for qid, value in stored.answers.items()}
    return Interview(answers=answers, pending=stored.pending_question)


async def save_state(storage: Storage, user_id: int, state: Interview, now: dt.datetime) -> None:
    """Replace the stored state with ``state`` in one transaction.

    Every answer is kept, also those whose question is no longer asked after an
    earlier answer changed: they count again if the user changes it back.
    """
    answers = {qid: encode_value(value) for qid, value in state.answers.items()}
    await storage.save_interview(user_id, answers, state.pending, list(answers), now)


def state_token(state: Interview) -> str:
    """A short fingerprint of answers and pending question, for callback data."""
    payload = json.dumps(
        [sorted((qid, encode_value(v)) for qid, v in state.answers.items()), state.pending],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.blake2s(payload.encode("utf-8"), digest_size=8).hexdigest()[:TOKEN_LENGTH]
