"""``hamroh broadcast``: the /broadcast of Telegram, from a server's command line.

    hamroh broadcast new --text ru=@news_ru.txt --text ky="Жаңылыктар" \\
        [--lang ru,ky] [--citizenship UZ,TJ] [--status irregular,unclear] \\
        [--deadline-within 7] [--at "25.12.2026 10:00"] [--html] [--yes]
    hamroh broadcast list
    hamroh broadcast show ID [--wait]
    hamroh broadcast cancel ID

Why it only writes to the database: the running bot owns the sender (one per
process, paced against the same budget as its replies). ``new`` stores the campaign
and, when it is due now, puts its messages into the send queue at once; the bot's
sender picks them up within a second, and a scheduled one is started by the bot's
minute tick. So the command works while the bot runs, and survives its restarts.

``--text LOCALE=TEXT`` (or ``LOCALE=@FILE``): Russian is required; locales without a
text get the Russian one, and the preview says which. Texts are plain unless
``--html`` (Telegram HTML, checked before anything is stored).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

from bot.admin.broadcasts import BroadcastService, describe, night_warning, progress_line
from bot.admin.html import check_html, plain_to_html
from bot.admin.when import MOSCOW, SendTime, parse_send_time
from bot.app.screens import parse_id
from bot.core.rules.model import STATUSES
from bot.delivery import Outbox
from bot.delivery.campaigns import MAX_DEADLINE_DAYS, AudienceSpec, CampaignStore, check_texts
from bot.i18n import LOCALES
from bot.storage import Storage, is_postgres_url, open_existing_storage

CITIZENSHIPS = ("UZ", "TJ", "KG", "KZ", "AM", "BY", "OTHER")
"""The case vocabulary's citizenship values (DESIGN.md)."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``hamroh broadcast`` and its subcommands."""
    parser = sub.add_parser("broadcast", help="send or schedule a message to users (admins)")
    parser.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL (default: HAMROH_DATABASE_URL, else HAMROH_DB_PATH)",
    )
    cmds = parser.add_subparsers(dest="broadcast_command", required=True)
    new = cmds.add_parser("new", help="preview, confirm and queue a broadcast")
    new.add_argument(
        "--text",
        action="append",
        default=[],
        metavar="LOCALE=TEXT",
        help="text for a locale (ru required); LOCALE=@FILE reads a file",
    )
    new.add_argument("--html", action="store_true", help="texts are Telegram HTML")
    new.add_argument("--lang", help="only these locales, comma-separated")
    new.add_argument("--citizenship", help="only these citizenships, e.g. UZ,TJ")
    new.add_argument("--status", help="only these overall statuses, e.g. irregular,unclear")
    new.add_argument("--deadline-within", type=int, help="only users with a deadline within N days")
    new.add_argument(
        "--at", help='when, e.g. "25.12.2026 10:00" (Moscow time unless given); default now'
    )
    new.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    cmds.add_parser("list", help="scheduled and past broadcasts")
    show = cmds.add_parser("show", help="one broadcast and its progress")
    show.add_argument("id", type=_broadcast_number)
    show.add_argument("--wait", action="store_true", help="print progress until it is finished")
    cancel = cmds.add_parser("cancel", help="cancel a scheduled or running broadcast")
    cancel.add_argument("id", type=_broadcast_number)


def _broadcast_number(text: str) -> int:
    """A broadcast's number as ``list`` prints it (``#`` allowed); a number longer than
    any row id is refused here, not by the database's integer overflowing."""
    number = parse_id(text.removeprefix("#"))
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a broadcast number")
    return number


def _names(raw: str | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        raise SystemExit(f"--{what}: use some of {', '.join(allowed)} (got {raw!r})")
    return values


MAX_TEXT_FILE_BYTES = 64 * 1024
"""A message is at most 4,096 characters: a bigger file is not the text meant."""


def _read_text_file(locale: str, path: Path) -> str:
    """``--text LOCALE=@FILE``: UTF-8 (a byte-order mark is dropped), or one line why not."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_TEXT_FILE_BYTES + 1)
    except OSError as error:
        raise SystemExit(f"--text {locale}: {error.strerror}: {path}") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise SystemExit(f"--text {locale}: {path} is over 64 KB, far more than one message")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SystemExit(
            f"--text {locale}: {path} is not UTF-8 text; save it as UTF-8 (in Notepad: "
            "Save as, Encoding UTF-8)"
        ) from None


def _texts(items: list[str], html: bool) -> dict[str, str]:
    texts: dict[str, str] = {}
    for item in items:
        locale, sep, value = item.partition("=")
        if not sep or locale not in LOCALES:
            raise SystemExit(f"--text: write LOCALE=TEXT with LOCALE one of {', '.join(LOCALES)}")
        if locale in texts:
            raise SystemExit(f"--text {locale}: given twice; keep the one you mean")
        if value.startswith("@"):
            value = _read_text_file(locale, Path(value[1:]))
        value = value.strip()
        if html:
            problem = check_html(value)
            if problem:
                raise SystemExit(f"--text {locale}: not valid Telegram HTML: {problem}")
        else:
            value = plain_to_html(value)
        texts[locale] = value
    try:
        check_texts(texts)
    except ValueError as error:
        raise SystemExit(f"--text: {error}") from None
    return texts


_pause = asyncio.sleep
"""How ``show --wait`` waits between looks (tests stand in for it)."""


def _now() -> dt.datetime:
    """The only place the command reads the clock."""
    return dt.datetime.now(dt.UTC)


async def _new(db: Storage, args: argparse.Namespace) -> int:
    now = _now()
    texts = _texts(args.text, args.html)
    days = args.deadline_within
    if days is not None and not 0 <= days <= MAX_DEADLINE_DAYS:
        raise SystemExit(f"--deadline-within: 0 to {MAX_DEADLINE_DAYS}")
    spec = AudienceSpec(
        locales=_names(args.lang, LOCALES, "lang"),
        citizenships=_names(args.citizenship, CITIZENSHIPS, "citizenship"),
        statuses=_names(args.status, STATUSES, "status"),
        deadline_within_days=days,
    )
    send_at = now
    if args.at:
        parsed = parse_send_time(args.at, now)
        if not isinstance(parsed, SendTime):
            raise SystemExit(f"--at: {parsed}")
        send_at = parsed.at
    store = CampaignStore(Outbox(db))
    service = BroadcastService(store)
    today = now.astimezone(MOSCOW).date()
    draft = await store.create(now=now, texts=texts, spec=spec, send_at=send_at)
    preview = await service.preview(draft, today)
    for line in describe(draft, preview):
        print(line)
    warning = night_warning(send_at)
    if warning:
        print(warning)
    if not args.yes:
        try:
            answer = input(f"Send to {preview.total} users? [y/N] ").strip().lower()
        except (EOFError, KeyboardInterrupt):  # no terminal to answer on, or Ctrl+D / Ctrl+C
            print()
            answer = ""
        if answer not in ("y", "yes"):
            await store.cancel(draft.id, now)
            print("Not sent.")
            return 1
    scheduled = await store.schedule(draft.id, send_at)
    assert scheduled is not None
    if send_at > now:
        print(f"Broadcast #{draft.id} scheduled; the running bot sends it then.")
        return 0
    started = await store.start(draft.id, now=now, today=today, all_locales=LOCALES)
    total = started.counts["total"] if started is not None else 0
    print(f"Broadcast #{draft.id} queued for {total} users; the running bot is sending it.")
    return 0


async def _show(db: Storage, campaign_id: int, wait: bool) -> int:
    store = CampaignStore(Outbox(db))
    first = True
    while True:
        campaign = await store.get(campaign_id)
        if campaign is None or campaign.state == "draft":
            print(f"There is no broadcast #{campaign_id}.", file=sys.stderr)
            return 1
        progress = await store.progress(campaign_id)
        if first:  # with --wait too: a scheduled one would otherwise wait without a word
            for line in describe(campaign):
                print(line)
            first = False
        if campaign.started_at is not None:
            print(progress_line(campaign, progress))
        if not wait or (progress.done and campaign.state != "scheduled"):
            return 0
        await _pause(5)


async def _run(args: argparse.Namespace) -> int:
    target: str | Path
    if args.db:
        target = args.db if is_postgres_url(args.db) else Path(args.db)
        setting = "--db"
    else:
        from bot.settings import read_settings

        settings = read_settings()
        target = settings.storage_target
        setting = "HAMROH_DATABASE_URL" if settings.database_url else "HAMROH_DB_PATH"
    db = await open_existing_storage(target, setting=setting)
    try:
        command = args.broadcast_command
        if command == "new":
            return await _new(db, args)
        store = CampaignStore(Outbox(db))
        if command == "list":
            for line in await BroadcastService(store).listing():
                print(line)
            return 0
        if command == "show":
            return await _show(db, args.id, args.wait)
        campaign, dropped = await store.cancel(args.id, _now())
        if campaign is None:
            print(
                f"Broadcast #{args.id} cannot be cancelled (finished or unknown).", file=sys.stderr
            )
            return 1
        print(f"Broadcast #{args.id} cancelled; {dropped} messages not yet sent were dropped.")
        return 0
    finally:
        await db.close()


def run_broadcast(args: argparse.Namespace) -> int:
    """Entry point from ``bot.cli.main``. Ctrl+C (``show --wait``, the question) ends the
    command quietly with 130; the database is closed on the way out."""
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
