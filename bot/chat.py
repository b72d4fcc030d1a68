"""`hamroh chat`: the whole interview in a terminal, with the bot's own words.

For admins trying a rule change before publishing it, and for anyone trying
Hamroh without Telegram. It renders exactly what the bot would send (the same
core, the same ruleset, the same catalogs and message builders), as plain text,
with the bot's buttons numbered. Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from bot.core.interview import Interview, answer_text, back, change, current_question, give_answer
from bot.core.rules import RulesetInvalid, evaluate, load_ruleset, present
from bot.core.rules.present import answer_label
from bot.delivery.payload import InlineKeyboard
from bot.i18n import LANGUAGE_NAMES, gettext, load_catalogs, parse_error_message, question_hint
from bot.telegram import callbacks, render

TOKEN = "chat"
QUIT_WORDS = {"q", "quit", "exit", "/exit", "/quit"}

Ask = Callable[[str], str]
Say = Callable[[str], None]


plain = render.plain_text
"""Telegram HTML → terminal text."""


def buttons(keyboard: InlineKeyboard | None) -> list[tuple[str, callbacks.Callback]]:
    """The keyboard's buttons in reading order, with their decoded actions."""
    found: list[tuple[str, callbacks.Callback]] = []
    for row in keyboard["inline_keyboard"] if keyboard else ():
        for button in row:
            decoded = callbacks.decode(button.get("callback_data"))
            if decoded is not None:
                found.append((button["text"], decoded))
    return found


def show(say: Say, views: Sequence[render.View]) -> list[tuple[str, callbacks.Callback]]:
    """Print views; return the buttons of the last one, numbered on screen."""
    choices: list[tuple[str, callbacks.Callback]] = []
    for view in views:
        say(plain(view.text))
        choices = buttons(view.keyboard)
    for number, (label, _) in enumerate(choices, 1):
        say(f"  [{number}] {label}")
    return choices


def pick(text: str, choices: Sequence[tuple[str, callbacks.Callback]]) -> callbacks.Callback | None:
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1][1]
    return None


def choose_language(ask: Ask, say: Say) -> str | None:
    say(render.PICKER_PROMPT)
    names = list(LANGUAGE_NAMES.items())
    for number, (_, name) in enumerate(names, 1):
        say(f"  [{number}] {name}")
    while True:
        try:
            text = ask("> ").strip()
        except EOFError:
            return None
        if text.lower() in QUIT_WORDS:
            return None
        if text.isdigit() and 1 <= int(text) <= len(names):
            return names[int(text) - 1][0]


def run_chat(
    rules_dir: str,
    today: date,
    locale: str | None,
    ask: Ask = input,
    say: Say = print,
) -> int:
    """Run the interview until the user quits (q, or end of input). Returns an exit code."""
    try:
        ruleset = load_ruleset(rules_dir)
    except RulesetInvalid as error:
        for problem in error.problems:
            say(str(problem))
        return 1
    if locale is None:
        locale = choose_language(ask, say)
        if locale is None:
            return 0
    catalogs = load_catalogs()
    _ = gettext(locale, catalogs)
    state = Interview()
    say(plain(render.intro(_).text))
    notice: str | None = None
    show_why = False
    while True:
        question = current_question(state, ruleset, today)
        if question is not None:
            view = render.question(
                question, state, ruleset, today, locale, _, catalogs, TOKEN,
                notice=notice, show_why=show_why,
            )  # fmt: skip
            choices = show(say, [view])
        else:
            data = present(evaluate(state.answers, today, ruleset), ruleset, locale).to_json()
            choices = [
                c for c in show(say, render.result(data, locale, _, TOKEN))
                if c[1].fields[-1] != "remind"  # reminders need Telegram
            ]  # fmt: skip
        notice, show_why = None, False
        try:
            text = ask("> ")
        except EOFError:
            return 0
        if text.strip().lower() in QUIT_WORDS:
            return 0
        action = pick(text, choices)
        if action is None and question is not None:
            state, error = answer_text(state, text, ruleset, today)
            if error is not None:
                notice = parse_error_message(error, locale, catalogs)
                hint = question_hint(question, locale, catalogs)
                notice = f"{notice} {hint}" if hint else notice
            continue
        if action is None:
            continue
        state, notice, show_why = _act(action, state, ruleset, today, locale, ask, say, _)


def _act(
    action: callbacks.Callback,
    state: Interview,
    ruleset: Any,
    today: date,
    locale: str,
    ask: Ask,
    say: Say,
    _: Any,
) -> tuple[Interview, str | None, bool]:
    kind, fields = action.kind, action.fields
    if kind == "A":
        return give_answer(state, fields[1], fields[2]), None, False
    if kind == "B":
        return back(state, ruleset, today), None, False
    if kind == "W":
        return state, None, True
    if kind == "R" and fields[1] == "why":
        data = present(evaluate(state.answers, today, ruleset), ruleset, locale).to_json()
        show(say, render.explanation(data, _))
    elif kind == "R" and fields[1] == "contacts":
        data = present(evaluate(state.answers, today, ruleset), ruleset, locale).to_json()
        seen: dict[str, Any] = {}
        for outcome in data["outcomes"]:
            for contact in outcome["contacts"]:
                seen.setdefault(contact["id"], contact)
        show(say, render.contacts(list(seen.values()), _))
    elif kind == "R" and fields[1] == "change":
        answered = [q for q in state.asked(ruleset, today) if q.id in state.answers]
        for number, q in enumerate(answered, 1):
            value = answer_label(ruleset, q.id, state.answers[q.id], locale)
            say(f"  [{number}] {q.label.get(locale)}: {value}")
        try:
            text = ask("> ").strip()
        except EOFError:
            return state, None, False
        if text.isdigit() and 1 <= int(text) <= len(answered):
            return change(state, answered[int(text) - 1].id, ruleset, today), None, False
    return state, None, False
