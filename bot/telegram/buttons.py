"""Inline button presses: answers, Back, Why, change an answer, result actions, /forget.

Why the token check on every button that acts on the interview: a button stays on
screen for days. A double tap, or a tap on a question from last week, carries the
token of a state that no longer exists; it is answered with a short notice and the
current question is shown again, and no answer changes without the user seeing it.
Every callback query is answered (otherwise the phone shows a spinner).
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.interview import Interview, back, change, current_question, give_answer
from bot.core.rules import evaluate
from bot.i18n import LANGUAGE_NAMES, LOCALES
from bot.telegram import admin, callbacks, render
from bot.telegram.callbacks import Callback
from bot.telegram.conversation import Turn, open_turn
from bot.telegram.reminders import REMINDER_ACTIONS
from bot.telegram.render import View, esc
from bot.telegram.state import save_state, state_token

logger = logging.getLogger(__name__)


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a query older than Telegram's window just fails quietly."""
    try:
        await query.answer(text)
    except TelegramError as error:
        logger.info("answerCallbackQuery failed: %s", type(error).__name__)


def _message(query: CallbackQuery) -> Message | None:
    message = query.message
    return message if isinstance(message, Message) else None


async def _stale(turn: Turn, query: CallbackQuery, state: Interview | None = None) -> None:
    await _answer(query, turn._("This button is out of date. Here is where you are now."))
    await turn.drop_buttons(_message(query))
    await turn.show_current(state)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    turn = await open_turn(update, context)
    if turn is None or (query.message is not None and query.message.chat.type != ChatType.PRIVATE):
        await _answer(query)
        return
    data = callbacks.decode(query.data)
    if data is not None and data.kind == "L":
        await _pick_language(turn, query, data.fields[0])
        return
    if data is not None and data.kind == "X" and turn.services.is_admin(turn.user_id):
        await admin.on_admin_button(update, context, query, data.fields)
        return
    if turn.user is None:
        await _answer(query, turn._("This button is out of date. Here is where you are now."))
        await turn.send(render.language_picker(turn.guessed_locale))
        return
    if data is None:
        await _stale(turn, query)
        return
    if data.kind == "M":
        await _reminders(turn, query, data.fields[0] == "on")
        return
    if data.kind == "F":
        await _forget(turn, query, data.fields[0] == "yes")
        return
    if data.kind == "D":
        await _reminder_action(turn, query, data.fields[0], data.fields[1])
        return
    if data.kind == "X":  # an admin button pressed by someone who is not an admin
        await _stale(turn, query)
        return
    state = await turn.state()
    if data.token != state_token(state):
        await _stale(turn, query, state)
        return
    handler = {"A": _give, "B": _back, "W": _why, "C": _change, "R": _result_action}[data.kind]
    await handler(turn, query, state, data)


# --------------------------------------------------------------------------- language


async def _pick_language(turn: Turn, query: CallbackQuery, locale: str) -> None:
    """Store the language; new users get the intro and the first question."""
    if locale not in LOCALES:
        await _answer(query)
        return
    storage = turn.storage
    new_user = turn.user is None
    if new_user:
        await storage.upsert_user(turn.user_id, turn.chat_id, locale, turn.now)
        await storage.set_opt_in(turn.user_id, False)  # reminders only after "Remind me"
    elif turn.user is not None and turn.user.locale != locale:
        await storage.set_locale(turn.user_id, locale)
    turn.use_locale(locale)
    await _answer(query)
    await turn.edit(_message(query), View("✓ " + esc(LANGUAGE_NAMES[locale])))
    await turn.set_chat_menu()
    state = await turn.state()
    if new_user or not state.answers:
        await turn.send(render.intro(turn._))
        await turn.show_current(state)
        return
    await turn.send(View(esc(turn._("Your answers are kept."))))
    await turn.show_current(state, brief=False)


# --------------------------------------------------------------------------- interview


async def _give(turn: Turn, query: CallbackQuery, state: Interview, data: Callback) -> None:
    _token, question_id, value = data.fields
    ruleset = turn.services.ruleset
    item = current_question(state, ruleset, turn.today)
    if item is None or item.id != question_id or value not in ruleset.option_values(item):
        await _stale(turn, query, state)
        return
    new_state = give_answer(state, question_id, value)
    await save_state(turn.storage, turn.user_id, new_state, turn.now)
    await _answer(query)
    await turn.edit(_message(query), render.answered(item, value, ruleset, turn.locale))
    await turn.show_next(new_state)


async def _back(turn: Turn, query: CallbackQuery, state: Interview, data: Callback) -> None:
    new_state = back(state, turn.services.ruleset, turn.today)
    await save_state(turn.storage, turn.user_id, new_state, turn.now)
    await _answer(query)
    view = turn.question_view(new_state)
    if view is None:
        await turn.show_current(new_state)
    elif not await turn.edit(_message(query), view):
        await turn.send(view)


async def _why(turn: Turn, query: CallbackQuery, state: Interview, data: Callback) -> None:
    item = current_question(state, turn.services.ruleset, turn.today)
    if item is None or item.id != data.fields[1]:
        await _stale(turn, query, state)
        return
    await _answer(query)
    view = turn.question_view(state, show_why=True)
    if view is not None and not await turn.edit(_message(query), view):
        await turn.send(view)


async def _change(turn: Turn, query: CallbackQuery, state: Interview, data: Callback) -> None:
    """Ask one answered question again; answering it re-evaluates at once."""
    question_id = data.fields[1]
    ruleset = turn.services.ruleset
    if question_id not in {q.id for q in state.asked(ruleset, turn.today)}:
        await _stale(turn, query, state)
        return
    new_state = change(state, question_id, ruleset, turn.today)
    await save_state(turn.storage, turn.user_id, new_state, turn.now)
    await _answer(query)
    await turn.drop_buttons(_message(query))
    await turn.show_current(new_state)


async def _result_action(
    turn: Turn, query: CallbackQuery, state: Interview, data: Callback
) -> None:
    action = data.fields[1]
    ruleset = turn.services.ruleset
    if action not in callbacks.RESULT_ACTIONS or (
        current_question(state, ruleset, turn.today) is not None
    ):
        await _stale(turn, query, state)
        return
    if action == "why":
        await _answer(query)
        _assessment, data_ = turn.assess(state)
        await turn.send(render.explanation(data_, turn._))
    elif action == "change":
        await _answer(query)
        view = render.answers_list(
            state, ruleset, turn.today, turn.locale, turn._, state_token(state)
        )
        await turn.send(view)
    elif action == "remind":
        await turn.storage.set_opt_in(turn.user_id, True)
        await turn.services.reminder_planner(
            turn.user_id, evaluate(state.answers, turn.today, ruleset)
        )
        await _answer(query, turn._("Reminders are on."))
        await turn.send(
            View("🔔 " + esc(turn._("Reminders are on. You can stop them at any time: /reminders")))
        )
    else:
        await _answer(query)
        await turn.send_contacts()


# --------------------------------------------------------------------------- reminders, forget


async def _reminders(turn: Turn, query: CallbackQuery, on: bool) -> None:
    storage = turn.storage
    await storage.set_opt_in(turn.user_id, on)
    if on:
        state = await turn.state()
        ruleset = turn.services.ruleset
        if state.answers and current_question(state, ruleset, turn.today) is None:
            await turn.services.reminder_planner(
                turn.user_id, evaluate(state.answers, turn.today, ruleset)
            )
    else:
        await storage.cancel_reminders(turn.user_id)
    await _answer(query)
    view = turn.reminders_view(on, await storage.reminders_for(turn.user_id))
    if not await turn.edit(_message(query), view):
        await turn.send(view)


async def _forget(turn: Turn, query: CallbackQuery, confirmed: bool) -> None:
    """Delete every row about the user, then say so in the language they used."""
    _ = turn._
    if not confirmed:
        await _answer(query)
        view = View(esc(_("Nothing was deleted.")))
    else:
        await turn.storage.delete_user(turn.user_id)
        sender = turn.services.sender
        if sender is not None:  # messages it already holds in memory must not go out
            sender.discard_chat(turn.chat_id)
        await turn.clear_chat_menu()
        await _answer(query)
        view = View(
            "🗑 " + esc(_("Done. I deleted everything I kept about you. To start again: /start"))
        )
    if not await turn.edit(_message(query), view):
        await turn.send(view)


# --------------------------------------------------------------------------- reminder buttons


async def _reminder_action(turn: Turn, query: CallbackQuery, reminder_id: str, action: str) -> None:
    """A reminder's button: "I have paid", "Yes, done" (ask the answer that changed), "Not yet".

    Acts on today's state, whatever the reminder's age: showing a question again changes
    nothing until the user answers it, and the answer re-evaluates and replans.
    """
    _ = turn._
    reminder = await turn.storage.get_reminder(int(reminder_id)) if reminder_id.isdigit() else None
    if reminder is not None and reminder.user_id != turn.user_id:
        reminder = None
    if action not in REMINDER_ACTIONS or (reminder is None and action != "notyet"):
        await _stale(turn, query)
        return
    await _answer(query)
    if action == "notyet":  # the buttons stay: "Yes, done" is still the next step
        await turn.send(
            View("⏳ " + esc(_("Please do it as soon as you can. What to do: /status")))
        )
        return
    await turn.drop_buttons(_message(query))
    assert reminder is not None
    ruleset = turn.services.ruleset
    state = await turn.state()
    kind = ruleset.header.deadlines.get(reminder.deadline_id)
    question_id = kind.answer if kind is not None else None
    asked = {q.id for q in state.asked(ruleset, turn.today)}
    if question_id is None or question_id not in asked:
        await turn.send(
            render.answers_list(state, ruleset, turn.today, turn.locale, _, state_token(state))
        )
        return
    new_state = change(state, question_id, ruleset, turn.today)
    await save_state(turn.storage, turn.user_id, new_state, turn.now)
    notice = (
        _("Tell me the new date, and I will move your reminders.")
        if action == "paid" or (kind is not None and kind.payment)
        else _("Update this answer, and I will check your result again.")
    )
    view = turn.question_view(new_state, notice=notice)
    if view is not None:
        await turn.send(view)
