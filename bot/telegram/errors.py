"""The error handler: log what broke without any user data, and tell the user kindly.

Why so careful: an exception message can quote user input (``fromisoformat`` puts
the text it could not read into its message), and users may be undocumented. So
the log gets the exception *type*, the update id and the stack frames (file,
line, code) — never the message, the update, or local values.
"""

from __future__ import annotations

import contextlib
import logging
import traceback

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Conflict, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot.i18n import locale_from_telegram, normalize_locale
from bot.telegram.render import esc
from bot.telegram.services import services_of
from bot.telegram.updates import chat_id_of, in_private_chat

logger = logging.getLogger(__name__)


def describe(error: BaseException | None) -> str:
    """Type and stack frames of ``error``, without its message."""
    if error is None:
        return "unknown error"
    frames = "".join(traceback.format_tb(error.__traceback__)) if error.__traceback__ else ""
    return f"{type(error).__module__}.{type(error).__qualname__}\n{frames}".rstrip()


ANOTHER_POLLER = (
    "Telegram says another process is getting this bot's updates (Conflict): only one "
    "hamroh run may poll a token; stop the other one (or run them all with a webhook)"
)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if update is None and isinstance(error, Conflict):  # from the polling loop, which retries
        logger.error(ANOTHER_POLLER)
        return
    if update is None and isinstance(error, NetworkError):  # the connection went; it retries
        logger.warning(
            "getting updates from Telegram failed (%s); trying again", type(error).__name__
        )
        return
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("update %s failed: %s", update_id, describe(error))
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return
    chat_id, tg_user = chat_id_of(update), update.effective_user
    if chat_id is None or not in_private_chat(update):
        return
    services = services_of(context)
    locale = locale_from_telegram(tg_user.language_code if tg_user else None)
    try:
        user = await services.storage.get_user(tg_user.id) if tg_user else None
        if user is not None:
            locale = normalize_locale(user.locale)
    except Exception as lookup_error:  # storage may be what failed
        logger.warning("locale lookup in the error handler failed: %s", type(lookup_error).__name__)
    _ = services.catalogs.gettext(locale)
    if update.callback_query is not None:
        # the handler has usually answered the tap already (its spinner stopped at once);
        # a second answer is refused, and the person must still be told
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await context.bot.send_message(
            chat_id,
            "😕 " + esc(_("Sorry, something went wrong. Please try again, or send /start.")),
            parse_mode=ParseMode.HTML,
        )
    except TelegramError as send_error:
        logger.warning("could not tell the user about the error: %s", type(send_error).__name__)
