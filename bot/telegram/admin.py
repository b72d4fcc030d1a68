"""Admin commands in Telegram: /broadcast, /reload, /stats — for ``HAMROH_ADMIN_IDS`` only.

Why they look like this:

* **Invisible to everyone else.** A non-admin who types ``/stats`` gets exactly the
  reply to any unknown command; the commands are in no menu. Admin buttons (callback
  kind ``X``) from a non-admin are treated as stale.
* **A draft in the database, not in memory.** /broadcast walks the admin through the
  texts (Russian first: it also goes to every user whose language has no text), the
  audience (language, citizenship, status, a deadline within N days) and the time
  (now, or a day and hour, Moscow time unless given), then a preview with the count
  of recipients, then confirm. The draft and "what the admin's next message is" live
  in the ``campaigns`` row, so a restart mid-way loses nothing. Typed input that
  cannot be read (a malformed date) gets the reason and the same question again.
* **Aggregates only.** /stats and progress reports are counts; no admin command shows
  who a user is or what they answered.

Admin texts are English, like the CLI (see :mod:`bot.admin.broadcasts`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.admin.broadcasts import BroadcastService, describe, night_warning, progress_line
from bot.admin.stats import stats_lines
from bot.admin.when import SendTime, format_moscow, parse_send_time
from bot.core.rules.model import STATUSES
from bot.delivery.campaigns import (
    MAX_DEADLINE_DAYS,
    Campaign,
    CampaignStore,
    check_texts,
    merge_texts,
)
from bot.i18n import LOCALES
from bot.telegram import callbacks
from bot.telegram.render import esc, pack
from bot.telegram.rules_update import problem_lines, reload_rules
from bot.telegram.services import Services, services_of

logger = logging.getLogger(__name__)

ADMIN_COMMANDS = ("broadcast", "reload", "stats")
FILTERS = {"tl": "locales", "tc": "citizenships", "ts": "statuses"}
MENU_TITLES = {"locales": "Languages", "citizenships": "Citizenship", "statuses": "Status"}


def _button(text: str, campaign_id: int, action: str, value: str = "_") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text, callback_data=callbacks.encode("X", str(campaign_id), action, value)
    )


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


async def _reply(
    services: Services, context: ContextTypes.DEFAULT_TYPE, chat_id: int, lines: list[str],
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:  # fmt: skip
    """Plain lines for the admin, escaped, split to fit; the keyboard under the last part."""
    texts = pack([esc("\n".join(lines))])
    last = None
    for index, text in enumerate(texts):
        last = await context.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard if index == len(texts) - 1 else None,
        )
    return last


def _store(services: Services) -> CampaignStore:
    store = services.open_send_queue()
    if store is None:
        raise RuntimeError("broadcasts need the SQLite storage")
    return store


def _citizenships(services: Services) -> list[str]:
    ruleset = services.ruleset
    if ruleset.has_question("citizenship"):
        return ruleset.option_values(ruleset.question("citizenship"))
    return []


def _choices(services: Services, name: str) -> list[str]:
    if name == "locales":
        return list(LOCALES)
    if name == "citizenships":
        return _citizenships(services)
    return list(STATUSES)


# --------------------------------------------------------------------------- views


async def _panel(services: Services, campaign: Campaign) -> tuple[list[str], InlineKeyboardMarkup]:
    preview = await BroadcastService(_store(services)).preview(campaign, services.today())
    lines = [
        *describe(campaign, preview),
        "",
        "Tap to change; Preview shows each text as users will see it.",
    ]
    cid = campaign.id
    texts = [
        _button(("✓ " if campaign.texts.get(loc) else "✏️ ") + loc, cid, "text", loc)
        for loc in LOCALES
    ]
    keyboard = _markup(
        [
            texts[:3],
            texts[3:],
            [
                _button("🌐 Languages", cid, "menu", "locales"),
                _button("🛂 Citizenship", cid, "menu", "citizenships"),
                _button("📊 Status", cid, "menu", "statuses"),
            ],
            [
                _button("📅 Deadline within…", cid, "ask", "days"),
                _button("🕘 When…", cid, "ask", "when"),
            ],
            [_button("👁 Preview", cid, "preview"), _button("🗑 Discard", cid, "discard")],
        ]
    )
    return lines, keyboard


def _menu(
    services: Services, campaign: Campaign, name: str
) -> tuple[list[str], InlineKeyboardMarkup]:
    chosen = getattr(campaign.spec, name)
    code = {v: k for k, v in FILTERS.items()}[name]
    buttons = [
        _button(
            ("✓ " if chosen is not None and value in chosen else "") + value,
            campaign.id,
            code,
            value,
        )
        for value in _choices(services, name)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [_button("Everyone", campaign.id, "clear", name), _button("◀️ Back", campaign.id, "panel")]
    )
    current = "everyone" if chosen is None else ", ".join(chosen) or "none"
    return [
        f"{MENU_TITLES[name]} of broadcast #{campaign.id}: {current}",
        "Tap to add or remove.",
    ], _markup(rows)


def _ask_text_lines(campaign: Campaign, locale: str) -> list[str]:
    first = locale == "ru" and not campaign.texts.get("ru")
    lines = [f"Broadcast #{campaign.id}: send the text for {locale}."]
    if first:
        lines.append("Russian comes first: users whose language has no text get it too.")
    lines.append("Bold, italics and links are kept.")
    return lines


def _ask_text_keyboard(campaign: Campaign, locale: str) -> InlineKeyboardMarkup:
    rows = []
    if locale != "ru":
        rows.append([_button("⏭ Skip this language", campaign.id, "skip", locale)])
    rows.append([_button("◀️ Back to the draft", campaign.id, "panel")])
    return _markup(rows)


def _next_missing(campaign: Campaign, after: str) -> str | None:
    order = list(LOCALES)
    for locale in order[order.index(after) + 1 :]:
        if not campaign.texts.get(locale):
            return locale
    return None


# --------------------------------------------------------------------------- commands


async def _not_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Non-admins get the ordinary unknown-command reply; returns True if so."""
    user = update.effective_user
    if user is not None and services_of(context).is_admin(user.id):
        return False
    from bot.telegram.handlers import on_unknown_command

    await on_unknown_command(update, context)
    return True


async def on_broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/broadcast`` (the draft), ``/broadcast new``, ``list``, ``cancel N``, ``N``."""
    if await _not_admin(update, context):
        return
    services = services_of(context)
    store = _store(services)
    admin = update.effective_user
    chat = update.effective_chat
    assert admin is not None and chat is not None
    args = [a.lower() for a in (context.args or [])]
    now = services.now()
    if args and args[0] == "list":
        campaigns = await store.recent()
        lines = [
            "Broadcasts (scheduled first, Moscow time):",
            *await BroadcastService(store).listing(),
        ]
        rows = [
            [_button(f"⛔ Cancel #{c.id}", c.id, "cancel")]
            for c in campaigns
            if c.state in ("scheduled", "sending")
        ]
        await _reply(services, context, chat.id, lines, _markup(rows) if rows else None)
        return
    if args and args[0] == "cancel":
        if len(args) < 2 or not args[1].isdigit():
            await _reply(services, context, chat.id, ["Usage: /broadcast cancel NUMBER"])
            return
        await _cancel(services, context, chat.id, int(args[1]))
        return
    if args and args[0].lstrip("#").isdigit():
        await _status(services, context, chat.id, int(args[0].lstrip("#")))
        return
    if args and args[0] not in ("new",):
        await _reply(
            services, context, chat.id,
            ["Usage: /broadcast [new | list | cancel NUMBER | NUMBER]"],
        )  # fmt: skip
        return
    draft = await store.draft_of(admin.id)
    if draft is not None and args and args[0] == "new":
        await store.cancel(draft.id, now)
        draft = None
    if draft is None:
        draft = await store.create(
            now=now, created_by=admin.id, admin_chat_id=chat.id, awaiting="text:ru"
        )
        await _reply(
            services,
            context,
            chat.id,
            _ask_text_lines(draft, "ru"),
            _ask_text_keyboard(draft, "ru"),
        )
        return
    lines, keyboard = await _panel(services, draft)
    await _reply(services, context, chat.id, lines, keyboard)


async def _status(
    services: Services, context: ContextTypes.DEFAULT_TYPE, chat_id: int, cid: int
) -> None:
    store = _store(services)
    campaign = await store.get(cid)
    if campaign is None or campaign.state == "draft":
        await _reply(services, context, chat_id, [f"There is no broadcast #{cid}."])
        return
    lines = describe(campaign)
    if campaign.state in ("sending", "done", "cancelled") and campaign.started_at is not None:
        lines.append(progress_line(campaign, await store.progress(cid)))
    keyboard = None
    if campaign.state in ("scheduled", "sending"):
        keyboard = _markup([[_button(f"⛔ Cancel #{cid}", cid, "cancel")]])
    await _reply(services, context, chat_id, lines, keyboard)


async def _cancel(
    services: Services, context: ContextTypes.DEFAULT_TYPE, chat_id: int, cid: int
) -> None:
    campaign, dropped = await _store(services).cancel(cid, services.now())
    if campaign is None:
        await _reply(
            services,
            context,
            chat_id,
            [f"Broadcast #{cid} cannot be cancelled (finished or unknown)."],
        )
        return
    await _reply(
        services, context, chat_id,
        [f"Broadcast #{cid} cancelled. {dropped} messages not yet sent were dropped."],
    )  # fmt: skip


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Counts by language, citizenship and status; reminders sent and failed."""
    if await _not_admin(update, context):
        return
    services = services_of(context)
    chat = update.effective_chat
    assert chat is not None
    lines = stats_lines(await services.storage.stats())
    lines.append(f"Ruleset: {services.ruleset.version} ({services.ruleset.fingerprint})")
    await _reply(services, context, chat.id, lines)


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Load, validate and test the ruleset on disk; swap only if everything passes."""
    if await _not_admin(update, context):
        return
    services = services_of(context)
    chat = update.effective_chat
    assert chat is not None
    old = services.ruleset
    result = await reload_rules(services)
    was = f"{old.version} ({old.fingerprint})"
    if result.outcome == "rejected":
        lines = [f"Ruleset rejected. Still serving {was}.", *problem_lines(result.problems)]
    elif result.outcome == "unchanged":
        lines = [
            f"No change: the ruleset on disk is the one served, {was}. {result.tests_run} rule tests passed."
        ]
    else:
        new = result.ruleset
        lines = [
            f"Now serving ruleset {new.version} ({new.fingerprint}), was {was}.",
            f"{result.tests_run} rule tests passed.",
            "Users with reminders on are being checked again; those whose result changed get one message.",
        ]
        if new.version == old.version:
            lines.append(
                "Warning: the rules changed but their version did not; bump it in ruleset.yaml."
            )
    await _reply(services, context, chat.id, lines)


# --------------------------------------------------------------------------- typed input


async def take_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """An admin's message that answers their draft's question; ``False`` if it is not one."""
    services = services_of(context)
    user, message, chat = update.effective_user, update.effective_message, update.effective_chat
    if user is None or message is None or chat is None or not services.is_admin(user.id):
        return False
    if services.open_send_queue() is None:
        return False
    draft = await _store(services).draft_of(user.id)
    if draft is None or draft.awaiting is None or message.text is None:
        return False
    store = _store(services)
    awaiting = draft.awaiting
    if awaiting.startswith("text:"):
        locale = awaiting.split(":", 1)[1]
        text = message.text_html
        texts = merge_texts(draft.texts, [(locale, text)])
        try:
            check_texts(texts if locale == "ru" else {**texts, "ru": texts.get("ru") or "x"})
        except ValueError as error:
            await _reply(services, context, chat.id, [f"Not saved: {error}."])
            return True
        nxt = _next_missing(draft, locale)
        updated = await store.update_draft(
            draft.id, texts=texts, awaiting=f"text:{nxt}" if nxt else None
        )
        if updated is None:
            return False
        if nxt is not None:
            await _reply(
                services, context, chat.id,
                [f"Saved the {locale} text.", *_ask_text_lines(updated, nxt)],
                _ask_text_keyboard(updated, nxt),
            )  # fmt: skip
            return True
        lines, keyboard = await _panel(services, updated)
        await _reply(
            services, context, chat.id, [f"Saved the {locale} text.", "", *lines], keyboard
        )
        return True
    if awaiting == "days":
        raw = message.text.strip().lower()
        if raw in ("off", "no", "-", "нет"):
            spec = replace(draft.spec, deadline_within_days=None)
        elif raw.isdigit() and int(raw) <= MAX_DEADLINE_DAYS:
            spec = replace(draft.spec, deadline_within_days=int(raw))
        else:
            await _reply(
                services, context, chat.id,
                [f"Write a number of days from 0 to {MAX_DEADLINE_DAYS}, or off."],
            )  # fmt: skip
            return True
        updated = await store.update_draft(draft.id, audience=spec, awaiting=None)
    elif awaiting == "when":
        parsed = parse_send_time(message.text, services.now())
        if not isinstance(parsed, SendTime):
            await _reply(
                services, context, chat.id,
                [f"Could not use that time: {parsed}.", "Write e.g. 25.12.2026 10:00, or now."],
            )  # fmt: skip
            return True
        updated = await store.update_draft(
            draft.id, send_at=None if parsed.immediate else parsed.at, awaiting=None
        )
    else:
        await store.update_draft(draft.id, awaiting=None)
        return False
    if updated is None:
        return False
    lines, keyboard = await _panel(services, updated)
    await _reply(services, context, chat.id, lines, keyboard)
    return True


# --------------------------------------------------------------------------- buttons


async def on_admin_button(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    fields: tuple[str, ...],
) -> None:
    """A tap on an admin panel button (``X:<campaign>:<action>:<value>``)."""
    services = services_of(context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    cid_text, action, value = fields
    store = _store(services)
    campaign = await store.get(int(cid_text)) if cid_text.isdigit() else None
    await query.answer()
    if campaign is None:
        await _reply(services, context, chat.id, ["This broadcast no longer exists."])
        return
    if action == "cancel":
        await _cancel(services, context, chat.id, campaign.id)
        return
    if campaign.state != "draft" or campaign.created_by != user.id:
        await _reply(
            services,
            context,
            chat.id,
            [f"Broadcast #{campaign.id} is {campaign.state}; it cannot be edited."],
        )
        return
    if action == "text" and value in LOCALES:
        updated = await store.update_draft(campaign.id, awaiting=f"text:{value}")
        if updated is not None:
            await _reply(
                services,
                context,
                chat.id,
                _ask_text_lines(updated, value),
                _ask_text_keyboard(updated, value),
            )
        return
    if action == "skip" and value in LOCALES:
        nxt = _next_missing(campaign, value)
        updated = await store.update_draft(campaign.id, awaiting=f"text:{nxt}" if nxt else None)
        if updated is not None and nxt is not None:
            await _reply(
                services,
                context,
                chat.id,
                _ask_text_lines(updated, nxt),
                _ask_text_keyboard(updated, nxt),
            )
            return
        campaign = updated or campaign
    elif action == "ask" and value in ("days", "when"):
        await store.update_draft(campaign.id, awaiting=value)
        prompt = (
            [
                f"Only users with a deadline within how many days? Write 0-{MAX_DEADLINE_DAYS}, or off."
            ]
            if value == "days"
            else [
                "When? Write a day and an hour, e.g. 25.12.2026 10:00 (Moscow time; add UTC+5 or Asia/Tashkent for another zone), or now."
            ]
        )
        await _reply(
            services,
            context,
            chat.id,
            prompt,
            _markup([[_button("◀️ Back to the draft", campaign.id, "panel")]]),
        )
        return
    elif action == "menu" and value in MENU_TITLES:
        lines, keyboard = _menu(services, campaign, value)
        await _edit_or_send(services, context, query, chat.id, lines, keyboard)
        return
    elif action in FILTERS and value in _choices(services, FILTERS[action]):
        name = FILTERS[action]
        spec = campaign.spec.toggled(name, value, _choices(services, name))
        updated = await store.update_draft(campaign.id, audience=spec)
        if updated is not None:
            lines, keyboard = _menu(services, updated, name)
            await _edit_or_send(services, context, query, chat.id, lines, keyboard)
        return
    elif action == "clear" and value in MENU_TITLES:
        spec = replace(campaign.spec, **{value: None})
        campaign = await store.update_draft(campaign.id, audience=spec) or campaign
    elif action == "preview":
        await _preview(services, context, chat.id, campaign)
        return
    elif action == "confirm":
        await _confirm(services, context, chat.id, campaign)
        return
    elif action == "discard":
        await store.cancel(campaign.id, services.now())
        await _reply(services, context, chat.id, [f"Draft #{campaign.id} discarded."])
        return
    elif action != "panel":
        await _reply(services, context, chat.id, ["This button is out of date."])
        return
    await store.update_draft(campaign.id, awaiting=None)
    refreshed = await store.get(campaign.id) or campaign
    lines, keyboard = await _panel(services, refreshed)
    await _edit_or_send(services, context, query, chat.id, lines, keyboard)


async def _edit_or_send(
    services: Services, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, chat_id: int,
    lines: list[str], keyboard: InlineKeyboardMarkup,
) -> None:  # fmt: skip
    message = query.message
    if isinstance(message, Message):
        try:
            await context.bot.edit_message_text(
                esc("\n".join(lines)), chat_id=chat_id, message_id=message.message_id,
                parse_mode=ParseMode.HTML, reply_markup=keyboard,
            )  # fmt: skip
            return
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return
    await _reply(services, context, chat_id, lines, keyboard)


async def _preview(
    services: Services, context: ContextTypes.DEFAULT_TYPE, chat_id: int, campaign: Campaign
) -> None:
    """Each text exactly as users get it (Telegram checks its formatting), then the counts."""
    try:
        check_texts(campaign.texts)
    except ValueError as error:
        await _reply(services, context, chat_id, [f"Cannot send yet: {error}."])
        return
    preview = await BroadcastService(_store(services)).preview(campaign, services.today())
    for locale in campaign.spec.target_locales(LOCALES):
        text = campaign.texts.get(locale)
        if not text:
            continue
        await _reply(
            services,
            context,
            chat_id,
            [f"— {locale}: {preview.counts.get(locale, 0)} recipients —"],
        )
        try:
            await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        except BadRequest as error:
            await _reply(
                services, context, chat_id, [f"Telegram refused the {locale} text: {error.message}"]
            )
            return
    when = "now" if campaign.send_at is None else format_moscow(campaign.send_at)
    confirm = "✅ Send now" if campaign.send_at is None else f"✅ Schedule for {when}"
    lines = [*describe(campaign, preview)]
    warning = night_warning(campaign.send_at or services.now())
    if warning:
        lines.append(warning)
    if preview.total == 0:
        lines.append("Nobody matches this audience right now.")
    keyboard = _markup(
        [[_button(confirm, campaign.id, "confirm")], [_button("◀️ Edit", campaign.id, "panel")]]
    )
    await _reply(services, context, chat_id, lines, keyboard)


async def _confirm(
    services: Services, context: ContextTypes.DEFAULT_TYPE, chat_id: int, campaign: Campaign
) -> None:
    store = _store(services)
    now = services.now()
    try:
        scheduled = await store.schedule(campaign.id, campaign.send_at or now)
    except ValueError as error:
        await _reply(services, context, chat_id, [f"Cannot send yet: {error}."])
        return
    if scheduled is None:
        return
    cancel = _markup([[_button(f"⛔ Cancel #{campaign.id}", campaign.id, "cancel")]])
    if campaign.send_at is not None and campaign.send_at > now:
        await _reply(
            services, context, chat_id,
            [f"Broadcast #{campaign.id} is scheduled for {format_moscow(campaign.send_at)}.",
             "It is kept in the database and survives restarts. List: /broadcast list"],
            cancel,
        )  # fmt: skip
        return
    started = await store.start(campaign.id, now=now, today=services.today(), all_locales=LOCALES)
    total = started.counts["total"] if started is not None else 0
    await _reply(
        services, context, chat_id,
        [f"Broadcast #{campaign.id}: sending to {total} users. I will report progress here."],
        cancel if total else None,
    )  # fmt: skip
