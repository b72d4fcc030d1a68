"""A result and its details in Telegram HTML: the card, why, steps, sources, contacts."""

from __future__ import annotations

from bot.app.screens import (
    Contacts,
    Explanation,
    Official,
    OutcomeBlock,
    Result,
    ResultLabels,
    Sources,
    Steps,
)
from bot.core.card import STATUS_ICONS, Card, CardLine
from bot.telegram import keyboards

from .html import View, esc, link, views


def _outcome_block(outcome: OutcomeBlock, labels: ResultLabels) -> str:
    lines = ["<b>▪️ " + esc(outcome.title) + "</b>"]
    if outcome.because:
        lines.append("<i>" + esc(labels.why) + "</i> " + esc(" ".join(outcome.because)))
    if outcome.steps:
        lines.append("<i>" + esc(labels.what_to_do) + "</i>")
        lines += [f"{number}. {esc(step)}" for number, step in enumerate(outcome.steps, 1)]
    if outcome.scam_warning:
        lines.append("⚠️ " + esc(outcome.scam_warning))
    if outcome.uncertain:
        lines.append("❓ " + esc(outcome.uncertain))
    if outcome.legal_basis:
        lines.append("<i>" + esc(labels.legal_basis) + " " + esc(outcome.legal_basis) + "</i>")
    if outcome.sources:
        lines.append(
            esc(labels.sources)
            + " "
            + ", ".join(link(url, title) for title, url in outcome.sources)
        )
    return "\n".join(lines)


def _status_lines(screen: Result) -> list[str]:
    shown = screen.presentation
    icon = STATUS_ICONS.get(shown.status, "")
    return [f"{icon} <b>" + esc(shown.status_title) + "</b>", esc(shown.status_summary)]


CARD_MARKUP = {"status": "b", "heading": "b", "note": "i", "disclaimer": "i"}
"""How Telegram marks up the card's lines; the words and their order are the core's."""


def _card_line(line: CardLine) -> str:
    tag = CARD_MARKUP.get(line.kind)
    return f"<{tag}>{esc(line.text)}</{tag}>" if tag and line.text else esc(line.text)


def card(card: Card) -> str:
    """The result card (:mod:`bot.core.card`) as Telegram HTML: one message."""
    return "\n".join(_card_line(line) for line in card.lines())


def result(screen: Result, token: str) -> list[View]:
    """The result: its card with the details one tap away, or (a result without a
    card) status, outcomes, deadlines and disclaimer; the actions under the last."""
    keyboard = keyboards.markup(keyboards.pairs(screen.actions), token)
    if screen.card is not None and not screen.brief:
        return [View(card(screen.card), keyboard)]
    if screen.brief:
        lines = [*_status_lines(screen), "", esc(screen.labels.brief_hint)]
        return [View("\n".join(lines), keyboard)]
    shown, labels = screen.presentation, screen.labels
    blocks = ["\n".join((*_status_lines(screen), "<i>" + esc(labels.as_of) + "</i>"))]
    blocks += [_outcome_block(outcome, labels) for outcome in screen.outcomes]
    if shown.deadlines:
        lines = ["<b>📅 " + esc(labels.deadlines) + "</b>"]
        for d in shown.deadlines:
            lines.append("• <b>" + esc(d.date_text) + "</b> — " + esc(d.label))
            if d.note:  # the year's official holidays are not in the calendar yet
                lines.append("   ⚠️ <i>" + esc(d.note) + "</i>")
        blocks.append("\n".join(lines))
    blocks.append("ℹ️ " + esc(shown.disclaimer) + "\n<i>" + esc(labels.rules_checked) + "</i>")
    return views(blocks, keyboard)


def explanation(screen: Explanation) -> list[View]:
    """Why: for each outcome, the conditions that held and the answers they read."""
    blocks = ["<b>❔ " + esc(screen.title) + "</b>"]
    for item in screen.items:
        lines = ["<b>▪️ " + esc(item.title) + "</b>"]
        lines += ["• " + esc(line) for line in item.because]
        if item.answers:
            lines.append("<i>" + esc(screen.answers_heading) + "</i>")
            lines += [
                "   " + esc(label) + ": <b>" + esc(answer) + "</b>"
                for label, answer in item.answers
            ]
        blocks.append("\n".join(lines))
    if len(blocks) == 1:
        blocks.append(esc(screen.empty))
    return views(blocks)


def steps(screen: Steps) -> list[View]:
    """Every next step of every outcome, every deadline with its notes, the scam
    warning once at the end."""
    blocks = ["<b>" + esc(screen.title) + "</b>"]
    for outcome in screen.outcomes:
        lines = ["<b>▪️ " + esc(outcome.title) + "</b>"]
        lines += [f"{number}. {esc(step)}" for number, step in enumerate(outcome.steps, 1)]
        if outcome.uncertain:
            lines.append("❓ " + esc(outcome.uncertain))
        blocks.append("\n".join(lines))
    if screen.deadlines:
        lines = ["<b>📅 " + esc(screen.deadlines_heading) + "</b>"]
        for d in screen.deadlines:
            lines.append("• <b>" + esc(d.date_text) + "</b> — " + esc(d.label))
            lines += ["   <i>" + esc(note) + "</i>" for note in d.notes]
        blocks.append("\n".join(lines))
    if screen.scam_warning:
        blocks.append("⚠️ " + esc(screen.scam_warning))
    return views(blocks)


def official(screen: Official) -> list[View]:
    """The card and the answers in Russian, under one line in the person's language."""
    sheet = screen.sheet
    lines = ["🪪 <i>" + esc(screen.note) + "</i>", "", "<b>" + esc(sheet.heading) + "</b>"]
    lines += [card(sheet.card), "", "<b>" + esc(sheet.facts_heading) + "</b>"]
    lines += ["• " + esc(label) + ": <b>" + esc(answer) + "</b>" for label, answer in sheet.facts]
    return views(["\n".join(lines)])


def sources(screen: Sources) -> list[View]:
    """The legal basis and the sources of every outcome."""
    blocks = ["<b>" + esc(screen.title) + "</b>"]
    for outcome in screen.outcomes:
        lines = ["<b>▪️ " + esc(outcome.title) + "</b>"]
        if outcome.legal_basis:
            lines.append("<i>" + esc(screen.legal_basis) + " " + esc(outcome.legal_basis) + "</i>")
        if outcome.sources:
            lines.append(
                esc(screen.sources) + " " + ", ".join(link(url, t) for t, url in outcome.sources)
            )
        blocks.append("\n".join(lines))
    if screen.disclaimer:
        blocks.append("ℹ️ " + esc(screen.disclaimer) + "\n<i>" + esc(screen.rules_checked) + "</i>")
    return views(blocks)


def contacts(screen: Contacts) -> list[View]:
    """Official places to check status and get help, with phone and link where known."""
    if not screen.contacts:
        return [View(esc(screen.empty))]
    blocks = ["<b>📞 " + esc(screen.title) + "</b>"]
    for item in screen.contacts:
        lines = ["<b>" + esc(item.name) + "</b>", esc(item.how)]
        if item.phone:
            lines.append("☎️ " + esc(item.phone))
        if item.hours:
            lines.append("🕘 " + esc(item.hours))
        if item.url:
            lines.append("🔗 " + link(item.url, item.url))
        blocks.append("\n".join(lines))
    return views(blocks)
