"""The state token: a short fingerprint of the interview state, put into every button
that acts on it.

Why: a button stays on screen for days. A button pressed after the state moved on
(a double tap, a message from last week) carries an old token and is refused, so it
never changes an answer silently. The state itself is read from storage on every
update and written after every step (:mod:`bot.app.person`): the bot may restart
between two taps, and behind a load balancer the next update may reach another process.
"""

from __future__ import annotations

import hashlib
import json

from bot.app.state import encode_value
from bot.core.interview import Interview

TOKEN_LENGTH = 6


def state_token(state: Interview) -> str:
    """A short fingerprint of answers and pending question, for callback data."""
    payload = json.dumps(
        [sorted((qid, encode_value(v)) for qid, v in state.answers.items()), state.pending],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.blake2s(payload.encode("utf-8"), digest_size=8).hexdigest()[:TOKEN_LENGTH]
