"""Callback data of inline buttons: a tiny, versioned grammar within 64 bytes.

``<kind>:<field>:...`` where fields are ids (``[A-Za-z0-9_]``) and the state token.
Kinds that act on the interview carry the token of the state they were drawn for
(see :mod:`bot.telegram.state`); the handler refuses them when it no longer matches.

| kind | fields | button |
|---|---|---|
| ``L`` | locale | language picker |
| ``A`` | token, question id, option value | an answer option |
| ``B`` | token | Back |
| ``W`` | token, question id | Why we ask this? |
| ``C`` | token, question id | change this answer |
| ``R`` | token, action | result: ``why``, ``change``, ``remind``, ``contacts`` |
| ``M`` | ``on`` / ``off`` | reminders on or off |
| ``F`` | ``yes`` / ``no`` | confirm /forget |
| ``D`` | reminder id, action | a reminder's ``paid``, ``done``, ``notyet`` |
| ``X`` | campaign id, action, value | admin broadcast panel (admins only) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_FIELD = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_ARITY = {"L": 1, "A": 3, "B": 1, "W": 2, "C": 2, "R": 2, "M": 1, "F": 1, "D": 2, "X": 3}
RESULT_ACTIONS = ("why", "change", "remind", "contacts")


@dataclass(frozen=True)
class Callback:
    kind: str
    fields: tuple[str, ...]

    @property
    def token(self) -> str | None:
        """The state token, for kinds that carry one."""
        return self.fields[0] if self.kind in {"A", "B", "W", "C", "R"} else None


def encode(kind: str, *fields: str) -> str:
    """Callback data for a button; raises if it would break Telegram's 64-byte limit."""
    if _ARITY.get(kind) != len(fields) or not all(_FIELD.match(f) for f in fields):
        raise ValueError(f"bad callback fields for {kind}: {fields!r}")
    data = ":".join((kind, *fields))
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The parsed callback, or ``None`` for data this version of the bot did not make."""
    if not data:
        return None
    kind, *fields = data.split(":")
    if _ARITY.get(kind) != len(fields) or not all(_FIELD.match(f) for f in fields):
        return None
    return Callback(kind, tuple(fields))
