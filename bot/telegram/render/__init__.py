"""Every message the bot sends, as Telegram HTML, drawn from the use cases' typed screens.

:func:`draw` is the one entry: a screen and the state token its buttons carry in,
messages (:class:`View`: HTML text and an inline keyboard) out. The modules:
:mod:`.html` (escaping and cutting at 4,096), :mod:`.interview`, :mod:`.result`,
:mod:`.pages`; files (calendar file, timeline picture) are drawn by :func:`attachment`
(:mod:`.files`) instead, as they are not text messages.
"""

from __future__ import annotations

from bot.app.screens import (
    AdminPanel,
    Answered,
    AnswerList,
    Attachment,
    Confirm,
    Contacts,
    Explanation,
    Intro,
    LanguageChosen,
    LanguagePicker,
    Notice,
    Official,
    Question,
    RawPreview,
    ReminderDue,
    ReminderSettings,
    Result,
    RulesChanged,
    Screen,
    Sources,
    Steps,
    TextPage,
)
from bot.core.card import STATUS_ICONS

from . import interview, pages, result
from .files import FileView, attachment
from .html import MAX_MESSAGE, View, esc, link, pack, plain_text, utf16_len, views

__all__ = [
    "MAX_MESSAGE",
    "STATUS_ICONS",
    "FileView",
    "View",
    "attachment",
    "draw",
    "esc",
    "link",
    "pack",
    "plain_text",
    "utf16_len",
    "views",
]


def draw(screen: Screen, token: str = "") -> list[View]:
    """The messages of one screen; buttons carry ``token`` where they act on the interview."""
    if isinstance(screen, Question):
        return [interview.question(screen, token)]
    if isinstance(screen, Result):
        return result.result(screen, token)
    if isinstance(screen, Answered):
        return [interview.answered(screen)]
    if isinstance(screen, LanguagePicker):
        return [interview.language_picker(screen, token)]
    if isinstance(screen, LanguageChosen):
        return [interview.language_chosen(screen)]
    if isinstance(screen, Intro):
        return [interview.intro(screen)]
    if isinstance(screen, AnswerList):
        return [interview.answer_list(screen, token)]
    if isinstance(screen, Explanation):
        return result.explanation(screen)
    if isinstance(screen, Steps):
        return result.steps(screen)
    if isinstance(screen, Official):
        return result.official(screen)
    if isinstance(screen, Sources):
        return result.sources(screen)
    if isinstance(screen, Contacts):
        return result.contacts(screen)
    if isinstance(screen, ReminderSettings):
        return [pages.reminder_settings(screen, token)]
    if isinstance(screen, Notice):
        return [pages.notice(screen)]
    if isinstance(screen, Confirm):
        return [pages.confirm(screen, token)]
    if isinstance(screen, TextPage):
        return [pages.text_page(screen)]
    if isinstance(screen, AdminPanel):
        return pages.admin_panel(screen, token)
    if isinstance(screen, RawPreview):
        return [View(screen.html)]
    if isinstance(screen, RulesChanged):
        return [View(pages.rules_changed(screen).text)]
    if isinstance(screen, ReminderDue):
        payload = pages.reminder_due(screen)
        return [View(payload.text, payload.reply_markup)]
    if isinstance(screen, Attachment):
        raise TypeError("an Attachment is a file, not a text message: use render.attachment")
    raise TypeError(f"no Telegram drawing for {type(screen).__name__}")
