"""Screens as terminal text: the same words as the bot, without markup; choices numbered.

A second, independent drawing of the use cases' screens (the Telegram one is
:mod:`bot.telegram.render`): what a third channel has to write is no more than this.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.app.screens import (
    AdminPanel,
    Answered,
    AnswerList,
    Attachment,
    Choice,
    Confirm,
    Contacts,
    Explanation,
    Intro,
    LanguageChosen,
    LanguagePicker,
    Notice,
    Official,
    OutcomeBlock,
    Question,
    RawPreview,
    ReminderDue,
    ReminderSettings,
    Result,
    ResultLabels,
    RulesChanged,
    Screen,
    Sources,
    Steps,
    TextPage,
)
from bot.core.card import STATUS_ICONS

CHECK = "✓ "
TONE_ICONS = {"warning": "⚠️ ", "done": "✅ ", "deleted": "🗑 ", "reminders": "🔔 ", "waiting": "⏳ "}


def label(choice: Choice) -> str:
    """A choice as the bot's button shows it: check, icon, label."""
    icon = f"{choice.icon} " if choice.icon else ""
    return (CHECK if choice.selected else "") + icon + choice.label


def numbered(choices: Sequence[Choice]) -> list[str]:
    return [f"  [{number}] {label(choice)}" for number, choice in enumerate(choices, 1)]


def _outcome(outcome: OutcomeBlock, labels: ResultLabels) -> list[str]:
    lines = ["▪️ " + outcome.title]
    if outcome.because:
        lines.append(labels.why + " " + " ".join(outcome.because))
    if outcome.steps:
        lines.append(labels.what_to_do)
        lines += [f"{number}. {step}" for number, step in enumerate(outcome.steps, 1)]
    if outcome.scam_warning:
        lines.append("⚠️ " + outcome.scam_warning)
    if outcome.uncertain:
        lines.append("❓ " + outcome.uncertain)
    if outcome.legal_basis:
        lines.append(labels.legal_basis + " " + outcome.legal_basis)
    if outcome.sources:
        lines.append(labels.sources + " " + ", ".join(f"{t} <{url}>" for t, url in outcome.sources))
    return lines


def _result(screen: Result) -> list[str]:
    if screen.card is not None and not screen.brief:  # the core's card, line for line
        return [line.text for line in screen.card.lines()]
    shown, labels = screen.presentation, screen.labels
    lines = [f"{STATUS_ICONS.get(shown.status, '')} {shown.status_title}", shown.status_summary]
    if screen.brief:  # not its hint: the terminal has no /status or /answers, the
        return lines  # result's numbered buttons follow and do what they would
    lines.append(labels.as_of)
    for outcome in screen.outcomes:
        lines += ["", *_outcome(outcome, labels)]
    if shown.deadlines:
        lines += ["", "📅 " + labels.deadlines]
        for d in shown.deadlines:
            lines.append(f"• {d.date_text} — {d.label}")
            if d.note:
                lines.append(f"   ⚠️ {d.note}")
    return [*lines, "", "ℹ️ " + shown.disclaimer, labels.rules_checked]


def _question(screen: Question) -> list[str]:
    lines = ["✅ " + screen.understood, ""] if screen.understood else []
    lines += ["⚠️ " + screen.notice, ""] if screen.notice else []
    lines += [screen.progress or f"{screen.position}/{screen.total}", screen.text]
    if screen.current_answer:
        lines.append(screen.current_answer)
    if screen.hint:
        lines.append("✍️ " + screen.hint)
    if screen.why:
        lines += ["", "❔ " + screen.why]
    return lines


def _explanation(screen: Explanation) -> list[str]:
    lines = ["❔ " + screen.title]
    for item in screen.items:
        lines += ["", "▪️ " + item.title, *("• " + line for line in item.because)]
        if item.answers:
            lines.append(screen.answers_heading)
            lines += [f"   {label_}: {answer}" for label_, answer in item.answers]
    if not screen.items:
        lines.append(screen.empty)
    return lines


def _contacts(screen: Contacts) -> list[str]:
    if not screen.contacts:
        return [screen.empty]
    lines = ["📞 " + screen.title]
    for item in screen.contacts:
        lines += ["", item.name, item.how]
        lines += [
            f"{icon} {value}"
            for icon, value in (("☎️", item.phone), ("🕘", item.hours), ("🔗", item.url))
            if value
        ]
    return lines


def _steps(screen: Steps) -> list[str]:
    lines = [screen.title]
    for outcome in screen.outcomes:
        lines += ["", "▪️ " + outcome.title]
        lines += [f"{number}. {step}" for number, step in enumerate(outcome.steps, 1)]
        if outcome.uncertain:
            lines.append("❓ " + outcome.uncertain)
    if screen.deadlines:
        lines += ["", "📅 " + screen.deadlines_heading]
        for d in screen.deadlines:
            lines.append(f"• {d.date_text} — {d.label}")
            lines += [f"   {note}" for note in d.notes]
    if screen.scam_warning:
        lines += ["", "⚠️ " + screen.scam_warning]
    return lines


def _official(screen: Official) -> list[str]:
    sheet = screen.sheet
    lines = ["🪪 " + screen.note, "", sheet.heading, *(line.text for line in sheet.card.lines())]
    lines += ["", sheet.facts_heading, *(f"• {label_}: {answer}" for label_, answer in sheet.facts)]
    return lines


def _sources(screen: Sources) -> list[str]:
    lines = [screen.title]
    for outcome in screen.outcomes:
        lines += ["", "▪️ " + outcome.title]
        if outcome.legal_basis:
            lines.append(screen.legal_basis + " " + outcome.legal_basis)
        if outcome.sources:
            links = ", ".join(f"{title} <{url}>" for title, url in outcome.sources)
            lines.append(screen.sources + " " + links)
    if screen.disclaimer:
        lines += ["", "ℹ️ " + screen.disclaimer, screen.rules_checked]
    return lines


def _reminders(screen: ReminderSettings) -> list[str]:
    if not screen.on:
        return [screen.status]
    lines = ["🔔 " + screen.status]
    if screen.planned_heading:
        lines.append(screen.planned_heading)
        lines += ["• " + p.day + (f" — {p.label}" if p.label else "") for p in screen.planned]
    if screen.none_planned:
        lines.append(screen.none_planned)
    return lines


def text_lines(screen: Screen) -> list[str]:
    """The screen's text, without its choices."""
    if isinstance(screen, Question):
        return _question(screen)
    if isinstance(screen, Result):
        return _result(screen)
    if isinstance(screen, Answered):
        return [screen.text, "✅ " + screen.answer]
    if isinstance(screen, LanguagePicker):
        return list(screen.prompts)
    if isinstance(screen, LanguageChosen):
        return ["✓ " + screen.name]
    if isinstance(screen, Intro):
        return ["👋 " + screen.greeting, screen.about, "🔒 " + screen.privacy]
    if isinstance(screen, AnswerList):
        if not screen.items:
            return [screen.empty]
        return [
            screen.title,
            *(f"• {i.label}: {i.answer}" for i in screen.items),
            "",
            screen.footer,
        ]
    if isinstance(screen, Explanation):
        return _explanation(screen)
    if isinstance(screen, Steps):
        return _steps(screen)
    if isinstance(screen, Official):
        return _official(screen)
    if isinstance(screen, Sources):
        return _sources(screen)
    if isinstance(screen, Contacts):
        return _contacts(screen)
    if isinstance(screen, ReminderSettings):
        return _reminders(screen)
    if isinstance(screen, Notice):
        return [TONE_ICONS.get(screen.tone, "") + screen.text]
    if isinstance(screen, Confirm):
        return [screen.text]
    if isinstance(screen, TextPage):
        lines = [(f"{screen.icon} " if screen.icon else "") + screen.title]
        for paragraph in screen.paragraphs:
            lines += [*paragraph, ""]
        return lines[:-1]
    if isinstance(screen, ReminderDue | RulesChanged):
        return [screen.title, *screen.lines, "", screen.footer]
    if isinstance(screen, AdminPanel):
        return list(screen.lines)
    if isinstance(screen, RawPreview):
        return [screen.html]
    if isinstance(screen, Attachment):
        return [f"📎 {screen.filename}", screen.caption]
    raise TypeError(f"no terminal drawing for {type(screen).__name__}")
