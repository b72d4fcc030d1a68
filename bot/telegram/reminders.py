"""The one place where the Telegram layer hands a result to reminder planning.

Why a hook and not code here: planning reminders (which deadline, how many days
before, in which time zone, what to do when the result changes) is a separate
issue. The handlers already call :data:`ReminderPlanner` at the right moments:

- when the user taps "Remind me" or turns reminders on in /reminders, and
- whenever a result is computed again for a user who has reminders on (after an
  answer is changed, on /status, when a language switch shows the result again).

The default is a no-op, so until the planner exists nothing is scheduled and the
bot never claims otherwise. Pass the real planner as ``reminder_planner`` to
:func:`bot.telegram.app.build_application`; it must be idempotent (replace the
user's reminders, e.g. with ``Storage.replace_reminders``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.rules import Assessment

ReminderPlanner = Callable[[int, Assessment], Awaitable[None]]
"""``await planner(user_id, assessment)``."""


async def plan_reminders(user_id: int, assessment: Assessment) -> None:
    """No-op placeholder for the reminder planner (see the module docstring)."""
    return None
