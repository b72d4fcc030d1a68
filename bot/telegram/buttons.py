"""Inline button presses: decode the callback data into an action, call its use case.

Why the token check on every button that acts on the interview: a button stays on
screen for days. A double tap, or a tap on a question from last week, carries the
token of a state that no longer exists; it is answered with a short notice and the
current question is shown again, and no answer changes without the user seeing it.
Every callback query is answered (otherwise the phone shows a spinner).
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from bot.app import exports, interview, pages, person
from bot.app.screens import (
    Action,
    AddToCalendar,
    AdminAction,
    Forget,
    PickLanguage,
    ReminderReply,
    Reminders,
    RemindMe,
    ShowTimeline,
)
from bot.core.locales import LOCALES
from bot.telegram import admin, callbacks
from bot.telegram.conversation import Turn, alongside, answer_query, open_turn
from bot.telegram.state import state_token
from bot.telegram.updates import in_private_chat

logger = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    turn = await open_turn(update, context)
    if turn is None or not in_private_chat(update):
        await answer_query(query)
        return
    decoded = callbacks.decode_action(query.data)
    action: Action | None = decoded[0] if decoded is not None else None
    if isinstance(action, PickLanguage):
        await _pick_language(turn, query, action.locale)
        return
    if isinstance(action, AdminAction) and turn.services.is_admin(turn.user_id):
        await admin.on_admin_button(update, context, query, action)
        return
    if turn.user is None:
        async with alongside(answer_query(query, interview.stale_notice(turn.ctx))):
            await turn.show([pages.language_picker(turn.guessed_locale)])
        return
    ctx = turn.ctx
    if decoded is None or action is None or isinstance(action, AdminAction):
        # not ours, or an admin button pressed by someone who is not an admin
        await turn.deliver(await person.stale(turn.services, ctx, turn.user_id), query)
        return
    services = turn.services
    if isinstance(action, Reminders):
        await turn.deliver(
            await person.set_reminders(services, ctx, turn.user_id, action.on), query
        )
        return
    if isinstance(action, Forget):
        await _forget(turn, query, action.confirmed)
        return
    if isinstance(action, ReminderReply):
        step = await person.reminder_reply(
            services, ctx, turn.user_id, action.reminder_id, action.reply
        )
        await turn.deliver(step, query)
        return
    state = await turn.state()
    if decoded[1] != state_token(state):
        await turn.deliver(
            await person.commit(services, turn.user_id, interview.stale(ctx, state)), query
        )
        return
    if isinstance(action, RemindMe):
        await turn.deliver(await person.remind_me(services, ctx, turn.user_id, state), query)
        return
    if isinstance(action, AddToCalendar | ShowTimeline):
        step = exports.export(ctx, state, action, made_at=services.now(), fonts=services.fonts())
        await turn.deliver(step, query)
        return
    step = interview.act(ctx, state, action)
    await turn.deliver(await person.commit(services, turn.user_id, step), query)


async def _pick_language(turn: Turn, query: CallbackQuery, locale: str) -> None:
    """Store the language; new users get the intro and the first question."""
    if locale not in LOCALES:
        await answer_query(query)
        return
    turn.use_locale(locale)
    step = await person.pick_language(
        turn.services, turn.ctx, turn.user, turn.user_id, turn.chat_id
    )
    await turn.deliver(step, query, alongside_reply=[turn.set_chat_menu])


async def _forget(turn: Turn, query: CallbackQuery, confirmed: bool) -> None:
    """Delete every row about the user, then say so in the language they used."""
    step = await person.forget(turn.services, turn.ctx, turn.user_id, confirmed)
    if not confirmed:
        await turn.deliver(step, query)
        return
    sender = turn.services.sender
    if sender is not None:  # messages it already holds in memory must not go out
        sender.discard_chat(turn.chat_id)
    await turn.deliver(step, query, alongside_reply=[turn.clear_chat_menu])
