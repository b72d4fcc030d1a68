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
| ``R`` | token, action | result: ``why``, ``change``, ``remind``, ``contacts``, ``steps``, ``sources``, ``official``, ``calendar``, ``calendar_detailed``, ``timeline`` |
| ``M`` | ``on`` / ``off`` | reminders on or off |
| ``F`` | ``yes`` / ``no`` | confirm /forget |
| ``D`` | reminder id, action | a reminder's ``paid``, ``done``, ``notyet`` |
| ``X`` | campaign id, action, value | admin broadcast panel (admins only) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.app.screens import (
    Action,
    AddToCalendar,
    AdminAction,
    Answer,
    Back,
    ChangeAnswer,
    DetailSection,
    Forget,
    ListAnswers,
    PickLanguage,
    ReminderReply,
    ReminderReplyKind,
    Reminders,
    RemindMe,
    ShowDetail,
    ShowTimeline,
    WhyAsk,
    parse_id,
)

MAX_BYTES = 64
_ID = r"[A-Za-z0-9_]{1,40}"
"""What one field of callback data may be: an id of the ruleset or the bot."""
_FIELD = re.compile(rf"^{_ID}$")
_FIELDS = re.compile(rf"{_ID}(?::{_ID})*")
"""One or more :data:`_FIELD` joined by ``:``."""
_ARITY = {"L": 1, "A": 3, "B": 1, "W": 2, "C": 2, "R": 2, "M": 1, "F": 1, "D": 2, "X": 3}
RESULT_ACTIONS = (
    "why", "change", "remind", "contacts", "steps", "sources",
    "calendar", "calendar_detailed", "timeline", "official",
)  # fmt: skip
"""``change`` lists the answers; ``why``, ``contacts``, ``steps``, ``sources`` are details;
``calendar``/``calendar_detailed`` send the calendar file, ``timeline`` the picture."""
DETAILS: dict[str, DetailSection] = {
    "why": "why", "contacts": "contacts", "steps": "steps", "sources": "sources",
    "official": "official",
}  # fmt: skip
"""Result buttons that open a detail section, by their callback name."""
REMINDER_REPLIES: dict[str, ReminderReplyKind] = {
    "paid": "paid",
    "done": "done",
    "notyet": "notyet",
}


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
    data = ":".join(fields)
    # One match for all the fields (a question's buttons are drawn on every step): ids
    # only, so no field holds a ':' and the length in characters is the length in bytes.
    if (
        _ARITY.get(kind) != len(fields)
        or _FIELDS.fullmatch(data) is None
        or data.count(":") != len(fields) - 1
    ):
        raise ValueError(f"bad callback fields for {kind}: {fields!r}")
    if len(kind) + 1 + len(data) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {kind}:{data!r}")
    return f"{kind}:{data}"


def decode(data: str | None) -> Callback | None:
    """The parsed callback, or ``None`` for data this version of the bot did not make."""
    if not data:
        return None
    kind, *fields = data.split(":")
    if _ARITY.get(kind) != len(fields) or not all(_FIELD.match(f) for f in fields):
        return None
    return Callback(kind, tuple(fields))


# --------------------------------------------------------------------------- actions


def encode_action(action: Action, token: str) -> str:
    """Callback data for a screen's action; ``token`` is the state the screen was drawn for."""
    if isinstance(action, PickLanguage):
        return encode("L", action.locale)
    if isinstance(action, Answer):
        return encode("A", token, action.question, action.value)
    if isinstance(action, Back):
        return encode("B", token)
    if isinstance(action, WhyAsk):
        return encode("W", token, action.question)
    if isinstance(action, ChangeAnswer):
        return encode("C", token, action.question)
    if isinstance(action, ListAnswers):
        return encode("R", token, "change")
    if isinstance(action, ShowDetail):
        return encode("R", token, action.section)
    if isinstance(action, RemindMe):
        return encode("R", token, "remind")
    if isinstance(action, AddToCalendar):
        return encode("R", token, "calendar_detailed" if action.detailed else "calendar")
    if isinstance(action, ShowTimeline):
        return encode("R", token, "timeline")
    if isinstance(action, Reminders):
        return encode("M", "on" if action.on else "off")
    if isinstance(action, Forget):
        return encode("F", "yes" if action.confirmed else "no")
    if isinstance(action, ReminderReply):
        return encode("D", str(action.reminder_id), action.reply)
    return encode("X", str(action.campaign), action.action, action.value)


def decode_action(data: str | None) -> tuple[Action, str | None] | None:
    """The action of a button and the state token it carries (``None``: not ours)."""
    callback = decode(data)
    if callback is None:
        return None
    kind, fields = callback.kind, callback.fields
    action: Action | None = None
    if kind == "L":
        action = PickLanguage(fields[0])
    elif kind == "A":
        action = Answer(fields[1], fields[2])
    elif kind == "B":
        action = Back()
    elif kind == "W":
        action = WhyAsk(fields[1])
    elif kind == "C":
        action = ChangeAnswer(fields[1])
    elif kind == "R" and fields[1] in RESULT_ACTIONS:
        name = fields[1]
        if name == "change":
            action = ListAnswers()
        elif name == "remind":
            action = RemindMe()
        elif name in ("calendar", "calendar_detailed"):
            action = AddToCalendar(detailed=name == "calendar_detailed")
        elif name == "timeline":
            action = ShowTimeline()
        elif name in DETAILS:
            action = ShowDetail(DETAILS[name])
    elif kind == "M" and fields[0] in ("on", "off"):
        action = Reminders(fields[0] == "on")
    elif kind == "F" and fields[0] in ("yes", "no"):
        action = Forget(fields[0] == "yes")
    elif kind == "D" and (row := parse_id(fields[0])) is not None:
        if fields[1] in REMINDER_REPLIES:
            action = ReminderReply(row, REMINDER_REPLIES[fields[1]])
    elif kind == "X" and (row := parse_id(fields[0])) is not None:
        action = AdminAction(row, fields[1], fields[2])
    return (action, callback.token) if action is not None else None
