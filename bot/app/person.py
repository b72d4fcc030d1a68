"""The use cases of a person whose state is stored: language, interview, result,
reminders, /forget. Telegram calls these; a future stateful channel would too.

Why a thin layer over :mod:`bot.app.interview`: the interview itself is pure; what a
stored person adds is "load the state, let the pure function decide, save it, store
the result's summary (for /stats and broadcast audiences) and replan reminders when
the person has them on". Keeping that in :func:`commit` means every input — a tap,
typed text, a command — saves in the same way, before the reply is drawn.

Every function returns a :class:`~bot.app.interview.Step`: its ``state`` is the one
the reply was drawn for (Telegram puts its token into the buttons).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.interview import Interview, current_question, forget_shared_tables
from bot.core.interview import change as change_question
from bot.core.locales import LANGUAGE_NAMES, LEGAL_TIMEZONE
from bot.core.rules import evaluate
from bot.core.rules.present import format_day
from bot.storage.models import Reminder, User

from . import interview
from .context import Context
from .interview import Step
from .pages import forget_question
from .screens import (
    Choice,
    Confirm,
    LanguageChosen,
    Notice,
    PlannedReminder,
    ReminderReplyKind,
    Reminders,
    ReminderSettings,
    Reply,
    Screen,
)
from .services import AppServices
from .state import load_state, save_state

MAX_PLANNED_SHOWN = 20


async def load(services: AppServices, user_id: int) -> Interview:
    """The person's stored interview state (empty for a newcomer)."""
    return await load_state(services.storage, services.ruleset, user_id)


async def commit(services: AppServices, user_id: int, step: Step) -> Step:
    """Save what ``step`` changed, store the summary of a result it shows, and replan
    the reminders of a person who has them on when it shows the whole result."""
    storage = services.storage
    if step.changed:
        await save_state(storage, user_id, step.state, services.now())
    assessment = step.assessment
    if assessment is not None:
        citizenship = assessment.answers.get("citizenship")
        await storage.save_summary(
            user_id,
            citizenship if isinstance(citizenship, str) else None,
            assessment.status,
            assessment.ruleset_version,
            services.now(),
            deadlines=[(d.id, d.date) for d in assessment.deadlines],
        )
        if step.full_result:
            user = await storage.get_user(user_id)
            if user is not None and user.reminders_opt_in:
                await services.reminder_planner(user_id, assessment)
    return step


async def pick_language(
    services: AppServices, ctx: Context, user: User | None, user_id: int, chat_id: int
) -> Step:
    """Store the language ``ctx.locale``; newcomers get the greeting and the first
    question, others keep their answers and see where they are in the new language."""
    storage = services.storage
    locale = ctx.locale
    if user is None:
        await storage.upsert_user(user_id, chat_id, locale, services.now())
        await storage.set_opt_in(user_id, False)  # reminders only after "Remind me"
    elif user.locale != locale:
        await storage.set_locale(user_id, locale)
    state = await load(services, user_id)
    chosen = LanguageChosen(LANGUAGE_NAMES[locale])
    if user is None or not state.answers:
        step = interview.start(ctx, state)
    else:
        step = interview.current(ctx, state, brief=False)
        kept = Notice(ctx._("Your answers are kept."))
        step = Step(
            step.state, Reply((kept, *step.reply.screens)), False, step.assessment, step.full_result
        )
    await commit(services, user_id, step)
    return Step(step.state, Reply(step.reply.screens, replace=chosen))


async def status(services: AppServices, ctx: Context, user_id: int) -> Step:
    """/status: the stored answers judged again today."""
    state = await load(services, user_id)
    return await commit(services, user_id, interview.result(ctx, state))


async def answers(services: AppServices, ctx: Context, user_id: int) -> Step:
    """/answers: the answer list; with nothing answered, also the first question."""
    state = await load(services, user_id)
    screens: list[Screen] = [interview.answers_screen(ctx, state)]
    step = Step(state, Reply())
    if not state.answers:
        step = await commit(services, user_id, interview.current(ctx, state))
        screens += step.reply.screens
    return Step(state, Reply(tuple(screens)), False, step.assessment, step.full_result)


async def contacts(services: AppServices, ctx: Context, user_id: int | None) -> Step:
    """Contacts of the person's result (all contacts before one, or for a newcomer)."""
    state = await load(services, user_id) if user_id is not None else Interview()
    return Step(state, Reply((interview.contacts_screen(ctx, state),)))


async def where_you_are(
    services: AppServices, ctx: Context, user_id: int, *, notice: str | None = None
) -> Step:
    """The current question or the brief result, with an optional notice first."""
    state = await load(services, user_id)
    return await commit(services, user_id, interview.current(ctx, state, notice=notice))


async def stale(services: AppServices, ctx: Context, user_id: int) -> Step:
    """A button that does not fit the stored state: say so, show where the person is."""
    state = await load(services, user_id)
    return await commit(services, user_id, interview.stale(ctx, state))


# --------------------------------------------------------------------------- reminders


def reminder_settings(
    ctx: Context, opted_in: bool, scheduled: Sequence[tuple[dt.datetime, str]]
) -> ReminderSettings:
    """Whether reminders are on, and the reminders planned: ``(remind_at, deadline id)``."""
    _ = ctx._
    if not opted_in:
        return ReminderSettings(
            on=False,
            status=_("Reminders are off."),
            planned_heading=None,
            planned=(),
            none_planned=None,
            toggle=Choice(_("Turn on reminders"), Reminders(True), icon="🔔"),
        )
    planned = []
    for remind_at, deadline_id in scheduled[:MAX_PLANNED_SHOWN]:
        kind = ctx.ruleset.header.deadlines.get(deadline_id)
        planned.append(
            PlannedReminder(
                format_day(remind_at.astimezone(LEGAL_TIMEZONE).date(), ctx.locale),
                kind.label.get(ctx.locale) if kind is not None else None,
            )
        )
    return ReminderSettings(
        on=True,
        status=_("Reminders are on."),
        planned_heading=_("Planned reminders:") if planned else None,
        planned=tuple(planned),
        none_planned=None if planned else _("No reminders are planned yet."),
        toggle=Choice(_("Stop reminders"), Reminders(False), icon="🔕"),
    )


def scheduled(stored: Sequence[Reminder]) -> list[tuple[dt.datetime, str]]:
    """The stored reminders still to be sent, as ``(remind_at, deadline id)``."""
    return [(r.remind_at, r.deadline_id) for r in stored if r.state == "scheduled"]


async def show_reminders(services: AppServices, ctx: Context, user: User) -> Step:
    """/reminders: the settings screen."""
    stored = await services.storage.reminders_for(user.user_id)
    screen = reminder_settings(ctx, user.reminders_opt_in, scheduled(stored))
    return Step(Interview(), Reply((screen,)))


async def set_reminders(services: AppServices, ctx: Context, user_id: int, on: bool) -> Step:
    """Turn reminders on (planned at once for a finished interview) or off (cancelled)."""
    storage = services.storage
    await storage.set_opt_in(user_id, on)
    if on:
        state = await load(services, user_id)
        if state.answers and current_question(state, ctx.ruleset, ctx.today) is None:
            await services.reminder_planner(
                user_id, evaluate(state.answers, ctx.today, ctx.ruleset)
            )
    else:
        await storage.cancel_reminders(user_id)
    screen = reminder_settings(ctx, on, scheduled(await storage.reminders_for(user_id)))
    return Step(Interview(), Reply(replace=screen))


async def remind_me(services: AppServices, ctx: Context, user_id: int, state: Interview) -> Step:
    """ "Remind me" under a result: reminders on, planned for this result's deadlines."""
    if current_question(state, ctx.ruleset, ctx.today) is not None:
        return await commit(services, user_id, interview.stale(ctx, state))
    await services.storage.set_opt_in(user_id, True)
    await services.reminder_planner(user_id, evaluate(state.answers, ctx.today, ctx.ruleset))
    _ = ctx._
    notice = Notice(_("Reminders are on. You can stop them at any time: /reminders"), "reminders")
    return Step(state, Reply((notice,), toast=_("Reminders are on.")))


async def reminder_reply(
    services: AppServices, ctx: Context, user_id: int, reminder_id: int, reply: ReminderReplyKind
) -> Step:
    """A reminder's button: "I have paid", "Yes, done" (ask the answer that changed), "Not yet".

    Acts on today's state, whatever the reminder's age: showing a question again changes
    nothing until the person answers it, and the answer re-evaluates and replans.
    """
    _ = ctx._
    storage = services.storage
    reminder = await storage.get_reminder(reminder_id)
    if reminder is not None and reminder.user_id != user_id:
        reminder = None
    if reminder is None and reply != "notyet":
        return await stale(services, ctx, user_id)
    if reply == "notyet" or reminder is None:  # the buttons stay: "Yes, done" is still next
        waiting = Notice(_("Please do it as soon as you can. What to do: /status"), "waiting")
        return Step(Interview(), Reply((waiting,)))
    ruleset = ctx.ruleset
    state = await load(services, user_id)
    kind = ruleset.header.deadlines.get(reminder.deadline_id)
    question_id = kind.answer if kind is not None else None
    if question_id is None or question_id not in {q.id for q in state.asked(ruleset, ctx.today)}:
        return Step(state, Reply((interview.answers_screen(ctx, state),), drop_actions=True))
    new_state = change_question(state, question_id, ruleset, ctx.today)
    await save_state(storage, user_id, new_state, services.now())
    notice = (
        _("Tell me the new date, and I will move your reminders.")
        if reply == "paid" or (kind is not None and kind.payment)
        else _("Update this answer, and I will check your result again.")
    )
    question = interview.question_screen(ctx, new_state, notice=notice)
    screens: tuple[Screen, ...] = (question,) if question is not None else ()
    return Step(new_state, Reply(screens, drop_actions=True))


# --------------------------------------------------------------------------- forget


def forget_prompt(ctx: Context, user: User | None) -> Confirm | Notice:
    """/forget: the question, or "nothing kept" for someone who never started."""
    if user is None:
        return Notice(ctx._("I keep nothing about you."))
    return forget_question(ctx)


async def forget(services: AppServices, ctx: Context, user_id: int, confirmed: bool) -> Step:
    """Delete every row about the person (when confirmed), then say so."""
    _ = ctx._
    if not confirmed:
        return Step(Interview(), Reply(replace=Notice(_("Nothing was deleted."))))
    await services.storage.delete_user(user_id)
    forget_shared_tables()
    ctx.ruleset.plan.forget_person()  # the last evaluation's values, kept to convert fewer
    done = Notice(
        _("Done. I deleted everything I kept about you. To start again: /start"), "deleted"
    )
    return Step(Interview(), Reply(replace=done))
