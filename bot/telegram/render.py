"""Every message the bot sends, as Telegram HTML, built from the core's data.

Why HTML and these rules: HTML needs escaping of only ``& < >`` (MarkdownV2 needs
eighteen characters escaped and breaks on a stray dot in a translation). Every
piece of text from a catalog, the ruleset or an answer goes through :func:`esc`;
tags never span lines, so a long text can be cut at any line into messages that
are each valid on their own (Telegram refuses a message over 4,096 characters).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.interview import Interview, progress
from bot.core.rules import Ruleset
from bot.core.rules.model import Question
from bot.core.rules.present import answer_label, format_day
from bot.delivery.payload import InlineKeyboard
from bot.i18n import Catalogs, Translator, question_hint
from bot.storage import Reminder
from bot.telegram import keyboards

MAX_MESSAGE = 4096
"""Telegram's limit for one message text, in UTF-16 code units."""

PICKER_PROMPT = "\n".join(
    (
        "Тилди тандаңыз",
        "Забонро интихоб кунед",
        "Tilni tanlang",
        "Тилни танланг",
        "Выберите язык",
    )
)
""""Choose a language" in each language, in the order of the buttons."""

STATUS_ICONS = {
    "legal": "✅",
    "action_needed": "⏳",
    "irregular": "❗",
    "controlled": "⛔",
    "entry_banned": "🚫",
    "unclear": "❔",
}


@dataclass(frozen=True)
class View:
    """One message: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboard | None = None


def esc(text: object) -> str:
    """Text for Telegram HTML: ``&``, ``<`` and ``>`` escaped."""
    return html.escape(str(text), quote=False)


def link(url: str, title: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{esc(title)}</a>'


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji and other astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- splitting


def _hard_split(line: str, limit: int) -> list[str]:
    """Cut one over-long line into plain-text pieces (its tags are dropped)."""
    plain = html.unescape(_strip_tags(line))
    pieces: list[str] = []
    current = ""
    for word in plain.split(" "):
        candidate = f"{current} {word}" if current else word
        if utf16_len(esc(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(esc(current))
        while utf16_len(esc(word)) > limit:
            cut = limit // 6  # an escaped character is at most 5 code units (&amp;)
            pieces.append(esc(word[:cut]))
            word = word[cut:]
        current = word
    if current:
        pieces.append(esc(current))
    return pieces


def plain_text(text: str) -> str:
    """What a user reads from a Telegram-HTML text: tags dropped, entities decoded."""
    return html.unescape(_strip_tags(text))


def _strip_tags(text: str) -> str:
    out, inside = [], False
    for char in text:
        if char == "<":
            inside = True
        elif char == ">" and inside:
            inside = False
        elif not inside:
            out.append(char)
    return "".join(out)


def _fit(block: str, limit: int) -> list[str]:
    if utf16_len(block) <= limit:
        return [block]
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        for part in [line] if utf16_len(line) <= limit else _hard_split(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def pack(blocks: Iterable[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks with blank lines into as few messages as fit in ``limit`` each."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if not block:
            continue
        for piece in _fit(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def views(blocks: Iterable[str], keyboard: InlineKeyboard | None = None) -> list[View]:
    """Blocks packed into messages; the keyboard goes under the last one."""
    texts = pack(blocks)
    return [
        View(text, keyboard if index == len(texts) - 1 else None)
        for index, text in enumerate(texts)
    ]


# --------------------------------------------------------------------------- start


def language_picker(selected: str | None) -> View:
    return View(esc(PICKER_PROMPT), keyboards.language_picker(selected))


def intro(_: Translator) -> View:
    """Two lines on what the bot does, one on what it stores."""
    return View(
        "\n".join(
            (
                "👋 <b>" + esc(_("Hello! I am Hamroh.")) + "</b>",
                esc(
                    _(
                        "I will ask a few short questions and tell you your likely status "
                        "in Russia, what to do and by when."
                    )
                ),
                "🔒 "
                + esc(
                    _(
                        "I keep only your Telegram id, your language and your answers. "
                        "Delete everything: /forget"
                    )
                ),
            )
        )
    )


# --------------------------------------------------------------------------- questions


def question(
    item: Question,
    state: Interview,
    ruleset: Ruleset,
    today: date,
    locale: str,
    _: Translator,
    catalogs: Catalogs,
    token: str,
    *,
    notice: str | None = None,
    show_why: bool = False,
) -> View:
    """One question: progress, the question, its hint, and its buttons."""
    position, total = progress(state, ruleset, today)
    lines: list[str] = []
    if notice:
        lines += ["⚠️ " + esc(notice), ""]
    lines.append(f"<i>{position}/{total}</i>")
    lines.append("<b>" + esc(item.text.get(locale)) + "</b>")
    current_value = state.answers.get(item.id)
    if current_value is not None:
        label = answer_label(ruleset, item.id, current_value, locale)
        lines.append(esc(_("Your answer now: {answer}").format(answer=label)))
    hint = question_hint(item, locale, catalogs)
    if hint:
        lines.append("✍️ <i>" + esc(hint) + "</i>")
    if show_why:
        lines += ["", "❔ " + esc(item.why.get(locale))]
    keyboard = keyboards.question(
        item,
        ruleset,
        locale,
        _,
        token,
        current_value=current_value,
        can_go_back=position > 1,
        show_why_button=not show_why,
    )
    return View("\n".join(lines), keyboard)


def answered(item: Question, value: Any, ruleset: Ruleset, locale: str) -> View:
    """A question message after it was answered with a button: its buttons are gone."""
    label = answer_label(ruleset, item.id, value, locale)
    return View("<b>" + esc(item.text.get(locale)) + "</b>\n✅ " + esc(label))


# --------------------------------------------------------------------------- result


def _outcome_block(outcome: Mapping[str, Any], because: Sequence[str], _: Translator) -> str:
    lines = ["<b>▪️ " + esc(outcome["title"]) + "</b>"]
    if because:
        lines.append("<i>" + esc(_("Why:")) + "</i> " + esc(" ".join(because)))
    steps = outcome.get("steps") or []
    if steps:
        lines.append("<i>" + esc(_("What to do:")) + "</i>")
        lines += [f"{number}. {esc(step)}" for number, step in enumerate(steps, 1)]
    if outcome.get("scam_warning"):
        lines.append("⚠️ " + esc(outcome["scam_warning"]))
    if outcome.get("uncertain"):
        lines.append("❓ " + esc(outcome["uncertain"]))
    if outcome.get("legal_basis"):
        lines.append("<i>" + esc(_("Legal basis:")) + " " + esc(outcome["legal_basis"]) + "</i>")
    sources = outcome.get("sources") or []
    if sources:
        lines.append(
            esc(_("Sources:")) + " " + ", ".join(link(s["url"], s["title"]) for s in sources)
        )
    return "\n".join(lines)


def result(data: Mapping[str, Any], locale: str, _: Translator, token: str) -> list[View]:
    """The result of ``bot.core.rules.present``: status, outcomes, deadlines, disclaimer."""
    icon = STATUS_ICONS.get(str(data["status"]), "")
    as_of = date.fromisoformat(data["as_of"])
    blocks = [
        "\n".join(
            (
                f"{icon} <b>" + esc(data["status_title"]) + "</b>",
                esc(data["status_summary"]),
                "<i>"
                + esc(_("Result as of {date}").format(date=format_day(as_of, locale)))
                + "</i>",
            )
        )
    ]
    because = {item["outcome"]: item["because"] for item in data.get("explanation", [])}
    for outcome in data.get("outcomes", []):
        blocks.append(_outcome_block(outcome, because.get(outcome["id"], []), _))
    deadlines = data.get("deadlines") or []
    if deadlines:
        lines = ["<b>📅 " + esc(_("Deadlines")) + "</b>"]
        for d in deadlines:
            lines.append("• <b>" + esc(d["date_text"]) + "</b> — " + esc(d["label"]))
            if d.get("note"):  # the year's official holidays are not in the calendar yet
                lines.append("   ⚠️ <i>" + esc(d["note"]) + "</i>")
        blocks.append("\n".join(lines))
    reviewed = format_day(date.fromisoformat(data["content_reviewed"]), locale)
    blocks.append(
        "ℹ️ "
        + esc(data["disclaimer"])
        + "\n<i>"
        + esc(_("Rules last checked: {date}").format(date=reviewed))
        + "</i>"
    )
    return views(blocks, keyboards.result(_, token, has_deadlines=bool(deadlines)))


def result_brief(data: Mapping[str, Any], locale: str, _: Translator, token: str) -> View:
    """The status in two lines with the result buttons: "where you are" without repeating all."""
    icon = STATUS_ICONS.get(str(data["status"]), "")
    text = "\n".join(
        (
            f"{icon} <b>" + esc(data["status_title"]) + "</b>",
            esc(data["status_summary"]),
            "",
            esc(_("Your full result: /status. To change an answer: /answers")),
        )
    )
    return View(text, keyboards.result(_, token, has_deadlines=bool(data.get("deadlines"))))


def explanation(data: Mapping[str, Any], _: Translator) -> list[View]:
    """Why: for each outcome, the conditions that held and the answers they read."""
    titles = {o["id"]: o["title"] for o in data.get("outcomes", [])}
    blocks = ["<b>❔ " + esc(_("Why this result")) + "</b>"]
    for item in data.get("explanation", []):
        lines = ["<b>▪️ " + esc(titles.get(item["outcome"], "")) + "</b>"]
        lines += ["• " + esc(line) for line in item.get("because", [])]
        answers = item.get("answers") or []
        if answers:
            lines.append("<i>" + esc(_("Your answers:")) + "</i>")
            lines += [
                "   " + esc(a["label"]) + ": <b>" + esc(a["answer"]) + "</b>" for a in answers
            ]
        blocks.append("\n".join(lines))
    if len(blocks) == 1:
        blocks.append(esc(_("No rule matched your answers.")))
    return views(blocks)


# --------------------------------------------------------------------------- answers


def answers_list(
    state: Interview, ruleset: Ruleset, today: date, locale: str, _: Translator, token: str
) -> View:
    """The answers that count, each with a button to change it."""
    answered = [q for q in state.asked(ruleset, today) if q.id in state.answers]
    if not answered:
        return View(esc(_("You have not answered any questions yet.")))
    lines = ["<b>" + esc(_("Your answers")) + "</b>"]
    for item in answered:
        value = answer_label(ruleset, item.id, state.answers[item.id], locale)
        lines.append("• " + esc(item.label.get(locale)) + ": <b>" + esc(value) + "</b>")
    lines += ["", esc(_("Tap an answer to change it. Your other answers stay."))]
    buttons = [(item.id, item.label.get(locale)) for item in answered]
    return View("\n".join(lines), keyboards.change_answers(buttons, token))


# --------------------------------------------------------------------------- contacts


def contacts(items: Sequence[Mapping[str, Any]], _: Translator) -> list[View]:
    """Official places to check status and get help, with phone and link where known."""
    if not items:
        return [View(esc(_("I have no contacts for your case yet.")))]
    blocks = ["<b>📞 " + esc(_("Where to get help")) + "</b>"]
    for item in items:
        lines = ["<b>" + esc(item["name"]) + "</b>", esc(item["how"])]
        if item.get("phone"):
            lines.append("☎️ " + esc(item["phone"]))
        if item.get("hours"):
            lines.append("🕘 " + esc(item["hours"]))
        if item.get("url"):
            lines.append("🔗 " + link(item["url"], item["url"]))
        blocks.append("\n".join(lines))
    return views(blocks)


# --------------------------------------------------------------------------- reminders


def reminders(
    opted_in: bool,
    scheduled: Sequence[Reminder],
    ruleset: Ruleset,
    locale: str,
    _: Translator,
    timezone: dt.tzinfo,
) -> View:
    """Whether reminders are on, and the reminders actually stored (day and deadline)."""
    if not opted_in:
        text = esc(_("Reminders are off."))
        return View(text, keyboards.reminders(_, opted_in=False))
    lines = ["🔔 " + esc(_("Reminders are on."))]
    upcoming = [r for r in scheduled if r.state == "scheduled"]
    if upcoming:
        lines.append(esc(_("Planned reminders:")))
        for item in upcoming[:20]:
            day = format_day(item.remind_at.astimezone(timezone).date(), locale)
            kind = ruleset.header.deadlines.get(item.deadline_id)
            label = f" — {kind.label.get(locale)}" if kind is not None else ""
            lines.append("• " + esc(day + label))
    else:
        lines.append(esc(_("No reminders are planned yet.")))
    return View("\n".join(lines), keyboards.reminders(_, opted_in=True))


# --------------------------------------------------------------------------- fixed texts


def help_text(_: Translator) -> View:
    lines = [
        "<b>" + esc(_("I help you find out your likely status in Russia and what to do.")) + "</b>",
        esc(_("Answer my questions with the buttons, or type a date or a number.")),
        "",
        "/start — " + esc(_("start, or choose the language again")),
        "/status — " + esc(_("my result for today")),
        "/answers — " + esc(_("my answers; change one")),
        "/language — " + esc(_("change the language")),
        "/reminders — " + esc(_("reminders before deadlines")),
        "/contacts — " + esc(_("where to get help")),
        "/privacy — " + esc(_("what I keep about you")),
        "/forget — " + esc(_("delete everything about you")),
    ]
    return View("\n".join(lines))


def privacy_text(_: Translator, inactive_days: int) -> View:
    lines = [
        "<b>🔒 " + esc(_("What I keep about you")) + "</b>",
        "• " + esc(_("Your Telegram id, so that I can answer you.")),
        "• " + esc(_("The language you chose.")),
        "• " + esc(_("Your answers to my questions and the dates of your reminders.")),
        "",
        esc(
            _(
                "I never ask for your name, phone number, passport data or address, "
                "and I do not keep your messages or your location."
            )
        ),
        esc(
            _("If you do not write to me for {days} days, I delete all of it.").format(
                days=inactive_days
            )
        ),
        esc(_("Delete everything now: /forget")),
        "",
        esc(
            _(
                "Telegram itself also sees that you use this bot. Do not send me photos "
                "of your documents."
            )
        ),
    ]
    return View("\n".join(lines))
