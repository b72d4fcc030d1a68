"""`hamroh chat`: the whole interview in a terminal, with the bot's own words and buttons.

For admins trying a rule change before publishing it, and for anyone trying
Hamroh without Telegram. It calls the same use cases as the bot
(:mod:`bot.app.interview`) and draws the same screens as plain text
(:mod:`bot.chat.render`), the bot's buttons numbered in the bot's order. Nothing is
stored: the state lives in a variable, and "Remind me" shows the reminders the bot
would plan instead of planning them. "Add to calendar" and "Timeline picture" write
the file into the current folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from bot.app import exports, interview, pages, person
from bot.app.context import Context
from bot.app.interview import Step
from bot.app.reminders import planned_rows
from bot.app.screens import (
    AddToCalendar,
    Answered,
    Attachment,
    Choice,
    InterviewAction,
    Intro,
    LanguageChosen,
    Notice,
    PickLanguage,
    Reminders,
    RemindMe,
    Reply,
    Screen,
    ShowTimeline,
    actions_of,
)
from bot.core.interview import Interview
from bot.core.locales import LEGAL_TIMEZONE
from bot.core.rules import RulesetInvalid, evaluate, load_ruleset
from bot.export import FontNotFound, Fonts, find_fonts
from bot.i18n import load_catalogs

from .render import numbered, text_lines

QUIT_WORDS = {"q", "quit", "exit", "/exit", "/quit"}

Ask = Callable[[str], str]
Say = Callable[[str], None]


def show(say: Say, screens: Sequence[Screen]) -> list[Choice]:
    """Print screens; return the choices of the last one that has any, numbered on screen."""
    choices: list[Choice] = []
    for screen in screens:
        say("\n".join(text_lines(screen)))
        offered = actions_of(screen)
        if offered:
            choices = list(offered)
            for line in numbered(choices):
                say(line)
    return choices


def pick(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice whose number was typed, or ``None``."""
    text = text.strip()
    if text.isdecimal() and 1 <= int(text) <= len(choices):  # not isdigit: ², ①
        return choices[int(text) - 1]
    return None


INTERRUPTED = 130
"""The exit code after Ctrl+C, as a shell reports a command it stopped with SIGINT."""


def _forgiving_stdin() -> None:
    """Read bytes that are not UTF-8 (a paste from a cp1251 terminal) as U+FFFD instead
    of a ``UnicodeDecodeError`` that ends the chat: the answer is just not understood."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")


def _terminal_intro(ctx: Context, screens: Sequence[Screen]) -> list[Screen]:
    """The bot's intro says what it keeps (the Telegram id) and offers /forget; the
    terminal keeps nothing and has no /forget, so its intro says that instead."""
    privacy = ctx._(
        "Nothing is kept: your answers are only in this window and are gone when you quit."
    )
    return [
        dataclasses.replace(screen, privacy=privacy) if isinstance(screen, Intro) else screen
        for screen in screens
    ]


def choose_language(ask: Ask, say: Say) -> str | None:
    choices = show(say, [pages.language_picker(None)])
    while True:
        try:
            text = ask("> ").strip()
        except EOFError:
            say("")  # Ctrl+D after the prompt: the shell's prompt on a line of its own
            return None
        if text.lower() in QUIT_WORDS:
            return None
        choice = pick(text, choices) or next(
            (c for c in choices if text.casefold() in _language_words(c)), None
        )
        if choice is not None and isinstance(choice.action, PickLanguage):
            return choice.action.locale
        for line in numbered(choices):  # not a language: the list again, not a bare prompt
            say(line)


def _language_words(choice: Choice) -> set[str]:
    """What a person may type for a language in the picker: its name as listed, its code."""
    if not isinstance(choice.action, PickLanguage):
        return set()
    return {choice.label.casefold(), choice.action.locale.casefold()}


def _reminder_preview(ctx: Context, state: Interview, on: bool) -> list[Screen]:
    """What the bot would plan: its "Remind me" screens, from the plan, nothing stored."""
    noon = dt.datetime.combine(ctx.today, dt.time(12), tzinfo=LEGAL_TIMEZONE)
    rows = planned_rows(evaluate(state.answers, ctx.today, ctx.ruleset), noon) if on else []
    planned = [(row.remind_at, row.deadline_id) for row in rows]
    return [person.reminder_settings(ctx, on, planned)]


def _screens(reply: Reply) -> list[Screen]:
    """A reply's screens for a terminal: the toast as a notice, the replaced screen first
    (a record of a tap is left out: the terminal already shows what was typed)."""
    screens: list[Screen] = []
    if reply.toast:
        screens.append(Notice(reply.toast, "warning"))
    if reply.replace is not None and not isinstance(reply.replace, Answered | LanguageChosen):
        screens.append(reply.replace)
    return [*screens, *reply.screens]


def _fonts() -> Fonts | None:
    try:
        return find_fonts()
    except FontNotFound:
        return None  # the dates come as text instead


def _save(ctx: Context, screens: Sequence[Screen], folder: Path) -> list[Screen]:
    """Write each file a screen hands over into ``folder`` and say where it is."""
    shown: list[Screen] = []
    for screen in screens:
        shown.append(screen)
        if isinstance(screen, Attachment):
            path = folder / screen.filename
            try:
                path.write_bytes(screen.content)
            except OSError as error:
                text = ctx._("Could not save {path}: {reason}")
                shown.append(Notice(text.format(path=path, reason=error.strerror), "warning"))
            else:
                shown.append(Notice(ctx._("Saved to {path}").format(path=path), "done"))
    return shown


def run_chat(
    rules_dir: str,
    today: date,
    locale: str | None,
    ask: Ask = input,
    say: Say = print,
    save_dir: Path | None = None,
) -> int:
    """Run the interview until the user quits (q, end of input or Ctrl+C). Returns an
    exit code.

    "Add to calendar" and "Timeline picture" write their files into ``save_dir``
    (default: the current folder)."""
    if ask is input:
        _forgiving_stdin()
    try:
        return _chat(rules_dir, today, locale, ask, say, save_dir)
    except KeyboardInterrupt:
        say("")
        return INTERRUPTED


def _chat(
    rules_dir: str, today: date, locale: str | None, ask: Ask, say: Say, save_dir: Path | None
) -> int:
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
    ctx = Context(ruleset, today, locale, load_catalogs(), choices_typed=True)
    step: Step = interview.start(ctx, Interview())
    choices = show(say, _terminal_intro(ctx, _screens(step.reply)))
    while True:
        state = step.state
        try:
            text = ask("> ")
        except EOFError:
            say("")
            return 0
        if text.strip().lower() in QUIT_WORDS:
            return 0
        choice = pick(text, choices)
        action = choice.action if choice is not None else None
        screens: list[Screen]
        if isinstance(action, AddToCalendar | ShowTimeline):
            now = dt.datetime.now(dt.UTC)
            step = exports.export(ctx, state, action, made_at=now, fonts=_fonts())
            screens = _save(ctx, step.reply.screens, Path.cwd() if save_dir is None else save_dir)
        elif isinstance(action, RemindMe | Reminders):
            on = action.on if isinstance(action, Reminders) else True
            screens = _reminder_preview(ctx, state, on)
        elif action is not None and isinstance(action, InterviewAction):
            step = interview.act(ctx, state, action)
            screens = _screens(step.reply)
        elif action is None:
            step = interview.answer_typed(ctx, state, text)
            screens = _screens(step.reply)
        else:
            continue
        offered = show(say, screens)
        if offered:
            choices = offered
        elif choices:  # a detail screen: the result's choices are still there
            for line in numbered(choices):
                say(line)
