"""Admin commands in Telegram: /broadcast, /reload, /stats — for ``HAMROH_ADMIN_IDS`` only.

The decisions are :mod:`bot.app.broadcast_wizard`'s; this module decodes the
commands, the admin's typed answers and the panel buttons, and draws the panels.

* **Invisible to everyone else.** A non-admin who types ``/stats`` gets exactly the
  reply to any unknown command (the gate is in :mod:`bot.telegram.handlers`); the
  commands are in no menu. Admin buttons (callback kind ``X``) from a non-admin are
  treated as stale (:mod:`bot.telegram.buttons`).
* **A preview is the real message.** Each broadcast text is sent to the admin exactly
  as users will get it, so Telegram checks its formatting; a text it refuses ends
  the preview with the reason.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.app import broadcast_wizard as wizard
from bot.app.screens import AdminAction, RawPreview, Reply
from bot.delivery.campaigns import CampaignStore
from bot.telegram import bot_api, deep_links, render
from bot.telegram.conversation import answer_query
from bot.telegram.services import Services, services_of
from bot.telegram.updates import Tapped, chat_id_of, tapped_message

logger = logging.getLogger(__name__)

ADMIN_COMMANDS = ("broadcast", "reload", "stats")


def _store(services: Services) -> CampaignStore:
    store = services.open_send_queue()
    if store is None:
        raise RuntimeError("broadcasts need the SQLite storage")
    return store


def _wizard(services: Services) -> wizard.Wizard:
    return wizard.Wizard(_store(services), services.ruleset, services.now(), services.today())


async def _show(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply, message: Tapped | None = None
) -> None:
    """Draw the reply's panels: ``replace`` edits the tapped panel (or is sent), then the
    screens in order; a preview text Telegram refuses ends the reply with the reason."""
    bot = context.bot
    if reply.replace is not None:
        (view,) = render.draw(reply.replace)
        edited = False
        if message is not None:
            try:
                await bot_api.edit_html(bot, chat_id, message.message_id, view.text, view.keyboard)
                edited = True
            except BadRequest as error:
                edited = "not modified" in str(error).lower()
        if not edited:
            await bot_api.send_html(bot, chat_id, view.text, view.keyboard)
    for screen in reply.screens:
        if isinstance(screen, RawPreview):
            try:
                await bot.send_message(chat_id, screen.html, parse_mode=ParseMode.HTML)
            except BadRequest as error:
                refused = wizard.panel(
                    [f"Telegram refused the {screen.locale} text: {error.message}"]
                )
                for view in render.draw(refused):
                    await bot_api.send_html(bot, chat_id, view.text, view.keyboard)
                return
            continue
        for view in render.draw(screen):
            await bot_api.send_html(bot, chat_id, view.text, view.keyboard)


async def on_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/broadcast`` (the draft), ``/broadcast new``, ``list``, ``cancel N``, ``N``."""
    admin, chat = update.effective_user, update.effective_chat
    assert admin is not None and chat is not None
    services = services_of(context)
    reply = await wizard.command(_wizard(services), admin.id, chat.id, list(context.args or []))
    await _show(context, chat.id, reply)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Counts by language, citizenship and status; reminders sent and failed."""
    chat = update.effective_chat
    assert chat is not None
    services = services_of(context)
    links = deep_links.stats_line(await deep_links.counts(services.storage))
    await _show(context, chat.id, await wizard.stats(services.storage, services.ruleset, [links]))


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Load, validate and test the ruleset on disk; swap only if everything passes."""
    chat = update.effective_chat
    assert chat is not None
    await _show(context, chat.id, await wizard.reload(services_of(context)))


async def take_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """An admin's message that answers their draft's question; ``False`` if it is not one."""
    services = services_of(context)
    user, message, chat = update.effective_user, update.effective_message, update.effective_chat
    if user is None or message is None or chat is None or not services.is_admin(user.id):
        return False
    if message.text is None or services.open_send_queue() is None:
        return False
    reply = await wizard.typed(_wizard(services), user.id, message.text, message.text_html)
    if reply is None:
        return False
    await _show(context, chat.id, reply)
    return True


async def on_admin_button(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    action: AdminAction,
) -> None:
    """A tap on an admin panel button (``X:<campaign>:<action>:<value>``)."""
    user, chat_id = update.effective_user, chat_id_of(update)
    assert user is not None and chat_id is not None
    await answer_query(query)
    reply = await wizard.button(_wizard(services_of(context)), user.id, action)
    await _show(context, chat_id, reply, tapped_message(query))
