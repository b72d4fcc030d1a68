"""The admin's broadcast wizard and the other admin commands, as use cases.

Why they look like this:

* **A draft in the database, not in memory.** /broadcast walks the admin through the
  texts (Russian first: it also goes to every user whose language has no text), the
  audience (language, citizenship, status, a deadline within N days) and the time
  (now, or a day and hour, Moscow time unless given), then a preview with the count
  of recipients, then confirm. The draft and "what the admin's next message is" live
  in the ``campaigns`` row, so a restart mid-way loses nothing. Typed input that
  cannot be read (a malformed date) gets the reason and the same question again.
* **Aggregates only.** /stats and progress reports are counts; no admin screen shows
  who a user is or what they answered.

Each function returns a :class:`~bot.app.screens.Reply` of :class:`AdminPanel`
screens (and :class:`RawPreview` for the texts as users will get them); the channel
draws the panels and encodes their :class:`AdminAction` buttons. ``replace`` is a
panel that should replace the one tapped (a filter menu being toggled). Admin texts
are English, like the CLI (see :mod:`bot.admin.broadcasts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.admin.broadcasts import BroadcastService, describe, night_warning, progress_line
from bot.admin.stats import stats_lines
from bot.admin.when import SendTime, format_moscow, parse_send_time
from bot.core.locales import LOCALES
from bot.core.rules import Ruleset
from bot.core.rules.model import STATUSES
from bot.delivery.campaigns import (
    MAX_DEADLINE_DAYS,
    Campaign,
    CampaignStore,
    check_texts,
    merge_texts,
)
from bot.storage.interface import Storage

from .rules_update import problem_lines, reload_rules
from .screens import AdminAction, AdminPanel, Choice, RawPreview, Reply, Screen, parse_id
from .services import RulesServices

FILTERS = {"tl": "locales", "tc": "citizenships", "ts": "statuses"}
MENU_TITLES = {"locales": "Languages", "citizenships": "Citizenship", "statuses": "Status"}
USAGE = "Usage: /broadcast [new | list | cancel NUMBER | NUMBER]"


@dataclass(frozen=True)
class Wizard:
    """What the wizard works with: the campaigns, the ruleset (for citizenships), the time."""

    store: CampaignStore
    ruleset: Ruleset
    now: dt.datetime
    today: dt.date


def _button(text: str, campaign_id: int, action: str, value: str = "_") -> Choice:
    return Choice(text, AdminAction(campaign_id, action, value))


def _panel_reply(lines: list[str], rows: list[list[Choice]] | None = None) -> Reply:
    return Reply((panel(lines, rows),))


def panel(lines: list[str], rows: list[list[Choice]] | None = None) -> AdminPanel:
    return AdminPanel(tuple(lines), tuple(tuple(row) for row in rows or () if row))


def _citizenships(ruleset: Ruleset) -> list[str]:
    if ruleset.has_question("citizenship"):
        return ruleset.option_values(ruleset.question("citizenship"))
    return []


def _choices(wizard: Wizard, name: str) -> list[str]:
    if name == "locales":
        return list(LOCALES)
    if name == "citizenships":
        return _citizenships(wizard.ruleset)
    return list(STATUSES)


# --------------------------------------------------------------------------- panels


async def draft_panel(
    wizard: Wizard, campaign: Campaign, head: list[str] | None = None
) -> AdminPanel:
    """The draft: what it says, to whom, when; buttons to change each."""
    preview = await BroadcastService(wizard.store).preview(campaign, wizard.today)
    lines = [
        *(head or []),
        *describe(campaign, preview),
        "",
        "Tap to change; Preview shows each text as users will see it.",
    ]
    cid = campaign.id
    texts = [
        _button(("✓ " if campaign.texts.get(loc) else "✏️ ") + loc, cid, "text", loc)
        for loc in LOCALES
    ]
    return panel(
        lines,
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
        ],
    )


def filter_menu(wizard: Wizard, campaign: Campaign, name: str) -> AdminPanel:
    """One audience filter: every value, the chosen ones checked."""
    chosen = getattr(campaign.spec, name)
    code = {v: k for k, v in FILTERS.items()}[name]
    buttons = [
        _button(
            ("✓ " if chosen is not None and value in chosen else "") + value,
            campaign.id,
            code,
            value,
        )
        for value in _choices(wizard, name)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [_button("Everyone", campaign.id, "clear", name), _button("◀️ Back", campaign.id, "panel")]
    )
    current = "everyone" if chosen is None else ", ".join(chosen) or "none"
    return panel(
        [f"{MENU_TITLES[name]} of broadcast #{campaign.id}: {current}", "Tap to add or remove."],
        rows,
    )


def ask_text(campaign: Campaign, locale: str, head: list[str] | None = None) -> AdminPanel:
    """Ask for the text in ``locale`` (Russian first)."""
    first = locale == "ru" and not campaign.texts.get("ru")
    lines = [*(head or []), f"Broadcast #{campaign.id}: send the text for {locale}."]
    if first:
        lines.append("Russian comes first: users whose language has no text get it too.")
    lines.append("Bold, italics and links are kept.")
    rows = []
    if locale != "ru":
        rows.append([_button("⏭ Skip this language", campaign.id, "skip", locale)])
    rows.append([_button("◀️ Back to the draft", campaign.id, "panel")])
    return panel(lines, rows)


def _next_missing(campaign: Campaign, after: str) -> str | None:
    order = list(LOCALES)
    for locale in order[order.index(after) + 1 :]:
        if not campaign.texts.get(locale):
            return locale
    return None


def _cancel_button(cid: int) -> list[list[Choice]]:
    return [[_button(f"⛔ Cancel #{cid}", cid, "cancel")]]


# --------------------------------------------------------------------------- commands


async def command(wizard: Wizard, admin_id: int, chat_id: int, args: list[str]) -> Reply:
    """``/broadcast`` (the draft), ``/broadcast new``, ``list``, ``cancel N``, ``N``."""
    store = wizard.store
    args = [a.lower() for a in args]
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
        return _panel_reply(lines, rows)
    if args and args[0] == "cancel":
        number = parse_id(args[1]) if len(args) >= 2 else None
        if number is None:
            return _panel_reply(["Usage: /broadcast cancel NUMBER"])
        return await cancel(wizard, number)
    if args and (number := parse_id(args[0].lstrip("#"))) is not None:
        return await status(wizard, number)
    if args and args[0] not in ("new",):
        return _panel_reply([USAGE])
    draft = await store.draft_of(admin_id)
    if draft is not None and args and args[0] == "new":
        await store.cancel(draft.id, wizard.now)
        draft = None
    if draft is None:
        draft = await store.create(
            now=wizard.now, created_by=admin_id, admin_chat_id=chat_id, awaiting="text:ru"
        )
        return Reply((ask_text(draft, "ru"),))
    return Reply((await draft_panel(wizard, draft),))


async def status(wizard: Wizard, cid: int) -> Reply:
    """One broadcast: what, to whom, how far; a cancel button while it may still go out."""
    store = wizard.store
    campaign = await store.get(cid)
    if campaign is None or campaign.state == "draft":
        return _panel_reply([f"There is no broadcast #{cid}."])
    lines = describe(campaign)
    if campaign.state in ("sending", "done", "cancelled") and campaign.started_at is not None:
        lines.append(progress_line(campaign, await store.progress(cid)))
    rows = _cancel_button(cid) if campaign.state in ("scheduled", "sending") else None
    return _panel_reply(lines, rows)


async def cancel(wizard: Wizard, cid: int) -> Reply:
    campaign, dropped = await wizard.store.cancel(cid, wizard.now)
    if campaign is None:
        return _panel_reply([f"Broadcast #{cid} cannot be cancelled (finished or unknown)."])
    return _panel_reply(
        [f"Broadcast #{cid} cancelled. {dropped} messages not yet sent were dropped."]
    )


async def stats(storage: Storage, ruleset: Ruleset, extra: Sequence[str] = ()) -> Reply:
    """Counts by language, citizenship and status; reminders sent and failed; ``extra``
    lines from the channel (start links used)."""
    lines = stats_lines(await storage.stats())
    lines.extend(extra)
    lines.append(f"Ruleset: {ruleset.version} ({ruleset.fingerprint})")
    return _panel_reply(lines)


async def reload(services: RulesServices) -> Reply:
    """Load, validate and test the ruleset on disk; swap only if everything passes."""
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
    return _panel_reply(lines)


# --------------------------------------------------------------------------- typed input


async def typed(wizard: Wizard, admin_id: int, text: str, text_html: str) -> Reply | None:
    """An admin's message that answers their draft's question; ``None`` if it is not one.

    ``text_html`` is the message with its formatting (bold, links) as Telegram HTML.
    """
    store = wizard.store
    draft = await store.draft_of(admin_id)
    if draft is None or draft.awaiting is None:
        return None
    awaiting = draft.awaiting
    if awaiting.startswith("text:"):
        return await _take_text(wizard, draft, awaiting.split(":", 1)[1], text_html)
    if awaiting == "days":
        raw = text.strip().lower()
        if raw in ("off", "no", "-", "нет"):
            spec = replace(draft.spec, deadline_within_days=None)
        elif raw.isascii() and raw.isdecimal() and int(raw) <= MAX_DEADLINE_DAYS:
            spec = replace(draft.spec, deadline_within_days=int(raw))
        else:
            return _panel_reply([f"Write a number of days from 0 to {MAX_DEADLINE_DAYS}, or off."])
        updated = await store.update_draft(draft.id, audience=spec, awaiting=None)
    elif awaiting == "when":
        parsed = parse_send_time(text, wizard.now)
        if not isinstance(parsed, SendTime):
            return _panel_reply(
                [f"Could not use that time: {parsed}.", "Write e.g. 25.12.2026 10:00, or now."]
            )
        updated = await store.update_draft(
            draft.id, send_at=None if parsed.immediate else parsed.at, awaiting=None
        )
    else:
        await store.update_draft(draft.id, awaiting=None)
        return None
    if updated is None:
        return None
    return Reply((await draft_panel(wizard, updated),))


async def _take_text(wizard: Wizard, draft: Campaign, locale: str, text_html: str) -> Reply | None:
    texts = merge_texts(draft.texts, [(locale, text_html)])
    try:
        check_texts(texts if locale == "ru" else {**texts, "ru": texts.get("ru") or "x"})
    except ValueError as error:
        return _panel_reply([f"Not saved: {error}."])
    nxt = _next_missing(draft, locale)
    updated = await wizard.store.update_draft(
        draft.id, texts=texts, awaiting=f"text:{nxt}" if nxt else None
    )
    if updated is None:
        return None
    saved = f"Saved the {locale} text."
    if nxt is not None:
        return Reply((ask_text(updated, nxt, [saved]),))
    return Reply((await draft_panel(wizard, updated, [saved, ""]),))


# --------------------------------------------------------------------------- buttons


async def button(wizard: Wizard, admin_id: int, action: AdminAction) -> Reply:
    """A tap on an admin panel button."""
    store = wizard.store
    campaign = await store.get(action.campaign)
    name, value = action.action, action.value
    if campaign is None:
        return _panel_reply(["This broadcast no longer exists."])
    if name == "cancel":
        return await cancel(wizard, campaign.id)
    if campaign.state != "draft" or campaign.created_by != admin_id:
        return _panel_reply([f"Broadcast #{campaign.id} is {campaign.state}; it cannot be edited."])
    if name == "text" and value in LOCALES:
        updated = await store.update_draft(campaign.id, awaiting=f"text:{value}")
        return Reply((ask_text(updated, value),)) if updated is not None else Reply()
    if name == "skip" and value in LOCALES:
        nxt = _next_missing(campaign, value)
        updated = await store.update_draft(campaign.id, awaiting=f"text:{nxt}" if nxt else None)
        if updated is not None and nxt is not None:
            return Reply((ask_text(updated, nxt),))
        campaign = updated or campaign
    elif name == "ask" and value in ("days", "when"):
        await store.update_draft(campaign.id, awaiting=value)
        prompt = (
            f"Only users with a deadline within how many days? Write 0-{MAX_DEADLINE_DAYS}, or off."
            if value == "days"
            else "When? Write a day and an hour, e.g. 25.12.2026 10:00 (Moscow time; add UTC+5 or Asia/Tashkent for another zone), or now."
        )
        return _panel_reply([prompt], [[_button("◀️ Back to the draft", campaign.id, "panel")]])
    elif name == "menu" and value in MENU_TITLES:
        return Reply(replace=filter_menu(wizard, campaign, value))
    elif name in FILTERS and value in _choices(wizard, FILTERS[name]):
        field_name = FILTERS[name]
        spec = campaign.spec.toggled(field_name, value, _choices(wizard, field_name))
        updated = await store.update_draft(campaign.id, audience=spec)
        if updated is None:
            return Reply()
        return Reply(replace=filter_menu(wizard, updated, field_name))
    elif name == "clear" and value in MENU_TITLES:
        spec = replace(campaign.spec, **{value: None})
        campaign = await store.update_draft(campaign.id, audience=spec) or campaign
    elif name == "preview":
        return await preview(wizard, campaign)
    elif name == "confirm":
        return await confirm(wizard, campaign)
    elif name == "discard":
        await store.cancel(campaign.id, wizard.now)
        return _panel_reply([f"Draft #{campaign.id} discarded."])
    elif name != "panel":
        return _panel_reply(["This button is out of date."])
    await store.update_draft(campaign.id, awaiting=None)
    refreshed = await store.get(campaign.id) or campaign
    return Reply(replace=await draft_panel(wizard, refreshed))


async def preview(wizard: Wizard, campaign: Campaign) -> Reply:
    """Each text exactly as users get it, with its count, then the confirm panel.

    A channel that finds a text it cannot send (Telegram checks the formatting) says
    so and stops there: the confirm panel is the last screen.
    """
    try:
        check_texts(campaign.texts)
    except ValueError as error:
        return _panel_reply([f"Cannot send yet: {error}."])
    counted = await BroadcastService(wizard.store).preview(campaign, wizard.today)
    screens: list[Screen] = []
    for locale in campaign.spec.target_locales(LOCALES):
        text = campaign.texts.get(locale)
        if not text:
            continue
        screens.append(panel([f"— {locale}: {counted.counts.get(locale, 0)} recipients —"]))
        screens.append(RawPreview(locale, text))
    passed = campaign.send_at is not None and campaign.send_at <= wizard.now
    when = "now" if campaign.send_at is None else format_moscow(campaign.send_at)
    label = "✅ Send now" if campaign.send_at is None or passed else f"✅ Schedule for {when}"
    lines = [*describe(campaign, counted)]
    if passed:
        lines.append(f"{when} has passed: it goes out at once. To send later, tap Edit, When….")
    warning = night_warning(campaign.send_at or wizard.now)
    if warning:
        lines.append(warning)
    if counted.total == 0:
        lines.append("Nobody matches this audience right now.")
    rows = [[_button(label, campaign.id, "confirm")], [_button("◀️ Edit", campaign.id, "panel")]]
    screens.append(panel(lines, rows))
    return Reply(tuple(screens))


async def confirm(wizard: Wizard, campaign: Campaign) -> Reply:
    """Schedule the broadcast, or start it now."""
    store = wizard.store
    now = wizard.now
    try:
        scheduled = await store.schedule(campaign.id, campaign.send_at or now)
    except ValueError as error:
        return _panel_reply([f"Cannot send yet: {error}."])
    if scheduled is None:
        return Reply()
    if campaign.send_at is not None and campaign.send_at > now:
        return _panel_reply(
            [
                f"Broadcast #{campaign.id} is scheduled for {format_moscow(campaign.send_at)}.",
                "It is kept in the database and survives restarts. List: /broadcast list",
            ],
            _cancel_button(campaign.id),
        )
    started = await store.start(campaign.id, now=now, today=wizard.today, all_locales=LOCALES)
    total = started.counts["total"] if started is not None else 0
    return _panel_reply(
        [f"Broadcast #{campaign.id}: sending to {total} users. I will report progress here."],
        _cancel_button(campaign.id) if total else None,
    )
