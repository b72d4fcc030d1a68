"""Fixed pages in the person's language: help, privacy, and the /forget question."""

from __future__ import annotations

from bot.core.locales import REGISTRY
from bot.core.wording import days_count

from .context import Context
from .screens import Choice, Confirm, Forget, LanguagePicker, PickLanguage, TextPage


def help_page(ctx: Context) -> TextPage:
    _ = ctx._
    return TextPage(
        _("I help you find out your likely status in Russia and what to do."),
        (
            (_("Answer my questions with the buttons, or type a date or a number."),),
            (
                "/start — " + _("start, or choose the language again"),
                "/status — " + _("my result for today"),
                "/answers — " + _("my answers; change one"),
                "/language — " + _("change the language"),
                "/reminders — " + _("reminders before deadlines"),
                "/contacts — " + _("where to get help"),
                "/privacy — " + _("what I keep about you"),
                "/forget — " + _("delete everything about you"),
            ),
        ),
    )


def privacy_page(ctx: Context, inactive_days: int) -> TextPage:
    _ = ctx._
    return TextPage(
        _("What I keep about you"),
        (
            (
                "• " + _("Your Telegram id, so that I can answer you."),
                "• " + _("The language you chose."),
                "• " + _("Your answers to my questions and the dates of your reminders."),
            ),
            (
                _(
                    "I never ask for your name, phone number, passport data or address, "
                    "and I do not keep your messages or your location."
                ),
                _("If you do not write to me for {days}, I delete all of it.").format(
                    days=days_count(inactive_days, ctx.locale)
                ),
                _("Delete everything now: /forget"),
            ),
            (
                _(
                    "Telegram itself also sees that you use this bot. Do not send me photos "
                    "of your documents."
                ),
            ),
        ),
        icon="🔒",
    )


def forget_question(ctx: Context) -> Confirm:
    """Ask before deleting: the choices carry the decision."""
    _ = ctx._
    return Confirm(
        _(
            "Delete everything I keep about you: your language and all your answers? "
            "This cannot be undone."
        ),
        (
            Choice(_("Yes, delete everything"), Forget(True), icon="🗑"),
            Choice(_("No, keep my answers"), Forget(False)),
        ),
    )


def language_picker(selected: str | None) -> LanguagePicker:
    """ "Choose a language" in every language, one choice per locale, in picker order."""
    return LanguagePicker(
        tuple(locale.choose_prompt for locale in REGISTRY),
        tuple(
            Choice(locale.name, PickLanguage(locale.code), selected=locale.code == selected)
            for locale in REGISTRY
        ),
    )
