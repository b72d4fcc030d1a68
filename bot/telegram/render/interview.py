"""The interview in Telegram HTML: language picker, greeting, questions, the answer list."""

from __future__ import annotations

from bot.app.screens import Answered, AnswerList, Intro, LanguageChosen, LanguagePicker, Question
from bot.telegram import keyboards

from .html import View, esc


def language_picker(screen: LanguagePicker, token: str) -> View:
    return View(
        esc("\n".join(screen.prompts)),
        keyboards.markup(keyboards.one_per_row(screen.choices), token),
    )


def language_chosen(screen: LanguageChosen) -> View:
    return View("✓ " + esc(screen.name))


GREETING_ICON = "👋"
"""Opens the greeting, and nothing else the bot sends."""


def intro(screen: Intro) -> View:
    """Two lines on what the bot does, one on what it stores."""
    return View(
        "\n".join(
            (
                GREETING_ICON + " <b>" + esc(screen.greeting) + "</b>",
                esc(screen.about),
                "🔒 " + esc(screen.privacy),
            )
        )
    )


def question(screen: Question, token: str) -> View:
    """One question: progress, the question, its hint, and its buttons."""
    lines: list[str] = []
    if screen.understood:
        lines += ["✅ " + esc(screen.understood), ""]
    if screen.notice:
        lines += ["⚠️ " + esc(screen.notice), ""]
    lines.append("<i>" + esc(screen.progress or f"{screen.position}/{screen.total}") + "</i>")
    lines.append("<b>" + esc(screen.text) + "</b>")
    if screen.current_answer is not None:
        lines.append(esc(screen.current_answer))
    if screen.hint:
        lines.append("✍️ <i>" + esc(screen.hint) + "</i>")
    if screen.why:
        lines += ["", "❔ " + esc(screen.why)]
    rows = [*keyboards.flowing(screen.options), list(screen.navigation)]
    return View("\n".join(lines), keyboards.markup(rows, token))


def answered(screen: Answered) -> View:
    """A question message after it was answered with a button: its buttons are gone."""
    return View("<b>" + esc(screen.text) + "</b>\n✅ " + esc(screen.answer))


def answer_list(screen: AnswerList, token: str) -> View:
    """The answers that count, each with a button to change it."""
    if not screen.items:
        return View(esc(screen.empty))
    lines = ["<b>" + esc(screen.title) + "</b>"]
    for item in screen.items:
        lines.append("• " + esc(item.label) + ": <b>" + esc(item.answer) + "</b>")
    lines += ["", esc(screen.footer)]
    changes = keyboards.one_per_row([item.change for item in screen.items])
    return View("\n".join(lines), keyboards.markup(changes, token))
