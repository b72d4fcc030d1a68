"""What the bot does with each kind of update: commands, typed answers, everything else.

Every handler follows the same pattern: open a :class:`Turn` (user, language,
services — state comes from storage), decide, save the new state, reply. A user
who has never picked a language gets the language picker whatever they send.
Button presses are in :mod:`bot.telegram.buttons`.

Never log message texts or answers here: users may be undocumented.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import interview, pages, person
from bot.i18n import gettext, locale_from_telegram
from bot.telegram import admin, deep_links
from bot.telegram.buttons import on_button
from bot.telegram.conversation import Turn, open_turn
from bot.telegram.errors import on_error
from bot.telegram.render import esc
from bot.telegram.services import services_of

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE


async def _known_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn | None:
    """The turn of a user who has picked a language; others get the picker and ``None``."""
    turn = await open_turn(update, context)
    if turn is None:
        return None
    if turn.user is None:
        await turn.show([pages.language_picker(turn.guessed_locale)])
        return None
    return turn


async def _where_you_are(turn: Turn, notice: str | None = None) -> None:
    await turn.deliver(
        await person.where_you_are(turn.services, turn.ctx, turn.user_id, notice=notice)
    )


# --------------------------------------------------------------------------- commands


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask every user for their language; a start link's language (``/start ky``) or
    else Telegram's guess is only preselected (``bot.telegram.deep_links``)."""
    turn = await open_turn(update, context)
    if turn is None:
        return
    linked = deep_links.locale_of(context.args[0] if context.args else None)
    if linked is not None:
        await deep_links.count(turn.storage, linked)
    selected = linked or (turn.user.locale if turn.user is not None else turn.guessed_locale)
    await turn.show([pages.language_picker(selected)])


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await open_turn(update, context)
    if turn is None:
        return
    selected = turn.user.locale if turn.user is not None else turn.guessed_locale
    await turn.show([pages.language_picker(selected)])


async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The stored answers judged again today (deadlines move, laws change)."""
    turn = await _known_user(update, context)
    if turn is not None:
        await turn.deliver(await person.status(turn.services, turn.ctx, turn.user_id))


async def on_answers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await _known_user(update, context)
    if turn is not None:
        await turn.deliver(await person.answers(turn.services, turn.ctx, turn.user_id))


async def on_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await _known_user(update, context)
    if turn is None or turn.user is None:
        return
    await turn.deliver(await person.show_reminders(turn.services, turn.ctx, turn.user))


async def on_contacts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await open_turn(update, context)
    if turn is None:
        return
    user_id = turn.user_id if turn.user is not None else None
    await turn.deliver(await person.contacts(turn.services, turn.ctx, user_id))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await open_turn(update, context)
    if turn is not None:
        await turn.show([pages.help_page(turn.ctx)])


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await open_turn(update, context)
    if turn is not None:
        days = turn.services.settings.inactive_days
        await turn.show([pages.privacy_page(turn.ctx, days)])


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask before deleting: the buttons carry the decision (see ``buttons``)."""
    turn = await open_turn(update, context)
    if turn is not None:
        await turn.show([person.forget_prompt(turn.ctx, turn.user)])


COMMAND_HANDLERS = {
    "start": on_start,
    "language": on_language,
    "status": on_status,
    "answers": on_answers,
    "reminders": on_reminders,
    "contacts": on_contacts,
    "help": on_help,
    "privacy": on_privacy,
    "forget": on_forget,
}


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def admins_only(handler: Handler) -> Handler:
    """Non-admins get exactly the reply to an unknown command: the command stays invisible."""

    async def gated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is not None and services_of(context).is_admin(user.id):
            await handler(update, context)
        else:
            await on_unknown_command(update, context)

    return gated


ADMIN_HANDLERS = {
    "broadcast": admins_only(admin.on_broadcast),
    "reload": admins_only(admin.on_reload),
    "stats": admins_only(admin.on_stats),
}


# --------------------------------------------------------------------------- messages


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed answer: parsed by the core; on error the reason, the hint and the question.

    An admin's message that answers their broadcast draft goes there instead.
    """
    sender = update.effective_user
    if (
        sender is not None
        and services_of(context).is_admin(sender.id)
        and await admin.take_text(update, context)
    ):
        return
    turn = await _known_user(update, context)
    message = update.effective_message
    if turn is None or message is None or message.text is None:
        return
    services = turn.services
    state = await turn.state()
    step = interview.answer_typed(turn.ctx, state, message.text)
    await turn.deliver(await person.commit(services, turn.user_id, step))


def _unsupported_notice(turn: Turn, message: Message) -> str:
    _ = turn._
    if message.voice or message.audio or message.video or message.video_note:
        return _(
            "I cannot listen to voice messages or watch videos. Please tap a button or type the answer."
        )
    if message.photo or message.document:
        return _(
            "Please do not send photos or files. I do not need them, and they may show your personal data."
        )
    if message.location or message.venue or message.contact:
        return _("Please do not send your location or contacts. I do not need them.")
    return _("I understand only buttons and short typed answers.")


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files, locations, contacts: a short reply and the question."""
    turn = await _known_user(update, context)
    message = update.effective_message
    if turn is None or message is None:
        return
    await _where_you_are(turn, _unsupported_notice(turn, message))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await _known_user(update, context)
    if turn is not None:
        await _where_you_are(turn, turn._("I do not know this command. All commands: /help"))


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message is never taken as an answer: the answer it replaced may be in use."""
    turn = await _known_user(update, context)
    if turn is not None:
        await _where_you_are(
            turn,
            turn._("I do not read edited messages. Please send the answer again as a new message."),
        )


# --------------------------------------------------------------------------- groups, membership


def _private_only_text(language_code: str | None, context: ContextTypes.DEFAULT_TYPE) -> str:
    _ = gettext(locale_from_telegram(language_code), services_of(context).catalogs)
    return _("I work only in a private chat. Please write to me directly.")


def addressed_to_bot(message: Message, username: str | None) -> bool:
    """A group message meant for us: our command, an @mention of us, or a reply to us.

    Commands for other bots (``/start@otherbot``) and plain chatter are left alone,
    so the bot never floods a group even when its privacy mode is off.
    """
    mention = f"@{username}".lower() if username else None
    for entity, piece in message.parse_entities(["bot_command", "mention"]).items():
        piece = piece.lower()
        ours = mention is not None and piece.endswith(mention)
        if entity.type == "bot_command" and entity.offset == 0 and ("@" not in piece or ours):
            return True
        if entity.type == "mention" and ours and piece == mention:
            return True
    replied = message.reply_to_message
    return bool(
        replied and replied.from_user and username and replied.from_user.username == username
    )


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups: one short line when addressed, and nothing is read or stored."""
    message = update.effective_message
    if message is None or not addressed_to_bot(message, context.bot.username):
        return
    code = update.effective_user.language_code if update.effective_user else None
    await message.reply_text(esc(_private_only_text(code, context)), parse_mode="HTML")


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocked or unblocked in a private chat; added to a group (say we work privately)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if change.chat.type == ChatType.PRIVATE:
        storage = services_of(context).storage
        if await storage.get_user(change.from_user.id) is not None:
            active = status not in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
            await storage.set_active(change.from_user.id, active)
        return
    if change.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL) and status in (
        ChatMemberStatus.MEMBER,
        ChatMemberStatus.ADMINISTRATOR,
    ):
        text = _private_only_text(change.from_user.language_code, context)
        await context.bot.send_message(change.chat.id, esc(text), parse_mode="HTML")


# --------------------------------------------------------------------------- registration


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler in the order PTB must try them, and the error handler."""
    # A button press is most updates of a questionnaire; no other handler takes one (each
    # matches messages or member changes only), so it is tried first: PTB then skips the
    # dozen message and command handlers' checks for every tap.
    application.add_handler(CallbackQueryHandler(on_button))
    not_private = (filters.ChatType.GROUPS | filters.ChatType.CHANNEL) & NEW_MESSAGE
    application.add_handler(MessageHandler(not_private, on_group_message))
    for name, callback in COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE & NEW_MESSAGE))
    # Admin commands answer non-admins exactly like an unknown command (bot.telegram.admin).
    for name, callback in ADMIN_HANDLERS.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE & NEW_MESSAGE))
    application.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edited))
    application.add_handler(
        MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT & ~filters.COMMAND, on_text)
    )
    application.add_handler(
        MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, on_unknown_command)
    )
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, on_unsupported))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(on_error)
