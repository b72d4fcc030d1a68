"""`hamroh`: the command line for admins and operators.

    hamroh rules check [DIR]                 validate the ruleset and run its tests
    hamroh rules evaluate --answers FILE     judge one case (YAML or JSON answers);
                                             --ics OUT.ics / --timeline OUT.png for the phone
    hamroh chat                              the whole interview in the terminal
    hamroh run                               the Telegram bot
    hamroh web [--host H] [--port P]         the same interview as web pages (no token needed)
    hamroh broadcast new|list|show|cancel    admin broadcasts (see bot/admin/cli.py)
    hamroh health                            exit 0 only if the bot's heartbeat is fresh
    hamroh db backup PATH                    online copy of the database, checked
    hamroh db retention                      delete inactive users now (runs daily in the bot)
    hamroh db restore BACKUP                 the backup back in place (bot stopped), the old kept

Everything here is a thin adapter: parsing arguments, reading files, printing.
The decisions are made in `bot.core`.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.core.locales import LOCALES
from bot.core.rules import RuleProblem, check_ruleset, evaluate, present, rule_test_report
from bot.core.rules.present import Presentation
from bot.ops.commands import add_parsers as add_ops_parsers
from bot.ops.commands import run_command as run_ops_command

# httpx imports its own command line (and with it rich, ~0.2 s) when rich is installed
# (it is, for the CEL library's command line); `hamroh` never runs httpx's. With this
# stand-in, httpx falls back to the stub it has for when its CLI's dependencies are
# missing. See BENCHMARKS.md, benchmark 9.
sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))

DEFAULT_RULES = "rules"
MAX_WEB_WORKERS = 64
"""``hamroh web --workers`` at most: more processes than that is a typo."""


def _today() -> date:
    """The only place the CLI reads the clock; `--as-of` overrides it."""
    return date.today()


def _as_of(text: str | None) -> date:
    if text is None:
        return _today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from None


def _load_or_exit(directory: str) -> Any:
    ruleset, problems = check_ruleset(directory)
    errors = [p for p in problems if not p.warning]
    if ruleset is None or errors:
        for problem in errors:
            print(problem, file=sys.stderr)
        raise SystemExit(1)
    return ruleset


# --------------------------------------------------------------------------- rules check


def rules_check(directory: str) -> int:
    """Validate, then run every rule test; print `file:line: reason` for each problem."""
    ruleset, problems = check_ruleset(directory)
    for problem in problems:
        print(problem)
    if ruleset is None or any(not p.warning for p in problems):
        print("ruleset invalid: fix the errors above", file=sys.stderr)
        return 1
    report = rule_test_report(ruleset)
    for failure in report.problems:
        print(failure)
    print(f"ruleset {ruleset.version} ({ruleset.fingerprint}): {len(ruleset.outcomes)} outcomes")
    print(f"{report.count - report.failed} passed, {report.failed} failed")
    return 1 if report.problems else 0


# --------------------------------------------------------------------------- rules evaluate


def _read_answers(path: str) -> dict[str, Any]:
    from ruamel.yaml.error import MarkedYAMLError

    from bot.core.rules.loader import parse_yaml  # dates stay text, like in rule files

    try:
        text = Path(path).read_text(encoding="utf-8-sig") if path != "-" else sys.stdin.read()
    except OSError as error:
        raise SystemExit(f"{path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SystemExit(f"{path}:1: not UTF-8 text (save it as UTF-8)") from None
    try:
        data = parse_yaml(text)  # JSON is YAML too
    except MarkedYAMLError as error:  # file:line: reason, on one line, as `rules check` says it
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(filter(None, [error.context, error.problem]))
        raise SystemExit(f"{path}:{line}: not YAML or JSON: {reason}") from None
    except Exception as error:
        raise SystemExit(f"{path}:1: not YAML or JSON: {' '.join(str(error).split())}") from None
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: expected a mapping of question id to answer")
    return {
        str(k): (v if isinstance(v, int) and not isinstance(v, bool) else str(v))
        for k, v in data.items()
    }


def _check_answers(answers: dict[str, Any], ruleset: Any, path: str) -> list[str]:
    from bot.core.rules.loader import answer_problem

    problems = []
    for qid, value in answers.items():
        if not ruleset.has_question(qid):
            problems.append(f"{path}: unknown question {qid!r}")
            continue
        question = ruleset.question(qid)
        options = set(ruleset.option_values(question))
        problem = answer_problem(
            question, value, options if question.type in ("choice", "yes_no") else None
        )
        if problem:
            problems.append(f"{path}: {qid}: {problem}")
    return problems


def _now() -> datetime:
    """When a calendar file is made (its SEQUENCE and DTSTAMP); the clock, like `_today`."""
    return datetime.now(UTC)


def _write(path: str, data: bytes, what: str) -> bool:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        print(f"{path}: cannot write the {what}: {error.strerror}", file=sys.stderr)
        return False
    print(f"{what} written to {path}", file=sys.stderr)
    return True


def rules_evaluate(
    directory: str,
    answers_path: str,
    as_of: date,
    locale: str,
    as_json: bool,
    exports: EvaluateExports | None = None,
) -> int:
    ruleset = _load_or_exit(directory)
    answers = _read_answers(answers_path)
    problems = _check_answers(answers, ruleset, answers_path)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    assessment = evaluate(answers, as_of, ruleset)
    shown = present(assessment, ruleset, locale)
    if as_json:
        print(json.dumps(shown.to_json(), ensure_ascii=False, indent=2))
    else:
        print(text_report(shown))
    return _export(assessment, ruleset, locale, exports) if exports else 0


@dataclass(frozen=True)
class EvaluateExports:
    """`--ics`, `--timeline` and their options: files a person keeps on the phone."""

    ics: str | None = None
    detailed_titles: bool = False
    timeline: str | None = None
    font_dir: str | None = None


def _export(assessment: Any, ruleset: Any, locale: str, exports: EvaluateExports) -> int:
    from bot.export import FontNotFound, calendar_file, find_fonts, timeline_picture

    written = True
    if exports.ics:
        ics = calendar_file(
            assessment, ruleset, locale, made_at=_now(), detailed=exports.detailed_titles
        )
        written = _write(exports.ics, ics, "calendar file") and written
    if exports.timeline:
        try:
            fonts = find_fonts(exports.font_dir)
        except FontNotFound as error:
            print(str(error), file=sys.stderr)
            return 1
        picture = timeline_picture(assessment, ruleset, locale, fonts=fonts)
        if picture.missing_glyphs:
            letters = " ".join(sorted(picture.missing_glyphs))
            print(f"timeline picture: the font has no glyph for: {letters}", file=sys.stderr)
        written = _write(exports.timeline, picture.png, "timeline picture") and written
    return 0 if written else 1


def text_report(shown: Presentation) -> str:
    """The assessment as a readable plain-text report (the CLI's non-JSON output)."""
    lines = [f"== {shown.status_title} [{shown.status}]", shown.status_summary, ""]
    for outcome in shown.outcomes:
        lines.append(f"* {outcome.title}  ({outcome.id}, {outcome.status})")
        lines.extend(f"    - {reason}" for reason in shown.because(outcome.id))
        lines.extend(f"    {n}. {step}" for n, step in enumerate(outcome.steps, 1))
        if outcome.uncertain:
            lines.append(f"    ! {outcome.uncertain}")
        if outcome.scam_warning:
            lines.append(f"    ! {outcome.scam_warning}")
        lines.append(f"    § {outcome.legal_basis}")
        lines.extend(f"    [{s.id}] {s.title} {s.url}" for s in outcome.sources)
        for contact in outcome.contacts:
            extra = " ".join(filter(None, [contact.url, contact.phone]))
            lines.append(f"    > {contact.name} {extra}".rstrip())
        lines.append("")
    if shown.deadlines:
        lines.append("Deadlines:")
        for d in shown.deadlines:
            lines.append(f"  {d.date}  {d.label}  ({d.id}, {d.outcome})")
            if d.note:
                lines.append(f"      ! {d.note}")
        lines.append("")
    lines.append(shown.disclaimer)
    lines.append(
        f"ruleset {shown.ruleset_version} ({shown.ruleset_fingerprint}), "
        f"content reviewed {shown.content_reviewed}, as of {shown.as_of}"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- rules diff


def rules_diff(old_dir: str, new_dir: str, as_of: date, db_path: str | None) -> int:
    """Show what publishing NEW_DIR instead of OLD_DIR does to people (counts only)."""
    from bot.core.rules.diff import DiffSummary, compare

    old, new = _load_or_exit(old_dir), _load_or_exit(new_dir)
    print(f"old: ruleset {old.version} ({old.fingerprint})")
    print(f"new: ruleset {new.version} ({new.fingerprint})")
    if old.version == new.version and old.fingerprint != new.fingerprint:
        print("warning: the rules changed but `version` in ruleset.yaml did not; bump it")

    cases = {
        (t.case.as_of, tuple(sorted(t.case.answers.items()))) for t in (*old.tests, *new.tests)
    }
    summary = DiffSummary()
    for case_day, items in sorted(cases, key=lambda c: (c[0], str(c[1]))):
        answers = dict(items)
        summary.add(compare(evaluate(answers, case_day, old), evaluate(answers, case_day, new)))
    print("rule test cases (each on its own as_of day):")
    for line in summary.lines():
        print(f"  {line}")

    if db_path:
        from bot.ops.reevaluate import judge_all
        from bot.storage import describe_target
        from bot.storage.export import AnswerSetsUnavailable, iter_answer_sets

        # Every stored answer set judged under both rulesets, on all cores (workers
        # load the two folders themselves and return status and deadlines only).
        stored = DiffSummary()
        try:
            for before, after in judge_all(iter_answer_sets(db_path), [old_dir, new_dir], as_of):
                stored.add(compare(before, after))
        except AnswerSetsUnavailable as error:
            print(f"hamroh rules diff: {error}", file=sys.stderr)
            return 2
        print(f"stored answers in {describe_target(db_path)}, judged on {as_of.isoformat()}:")
        for line in stored.lines():
            print(f"  {line}")
    return 0


# --------------------------------------------------------------------------- web


def check_web(host: str, port: int) -> int:
    """The container health check of the web service: ``GET /health`` answers ``ok``."""
    import httpx

    address = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        response = httpx.get(f"http://{address}:{port}/health", timeout=5)
    except httpx.HTTPError as error:
        print(f"hamroh web --check: no answer from {address}:{port} ({error})", file=sys.stderr)
        return 1
    if response.status_code != 200 or response.text != "ok":
        print(
            f"hamroh web --check: {address}:{port} answered {response.status_code}", file=sys.stderr
        )
        return 1
    return 0


def run_web(host: str, port: int, as_of: str | None, access_log: bool, workers: int = 1) -> int:
    """Serve the web channel with the settings of the environment (no token needed)."""
    if not 1 <= port <= 65535:
        print(f"hamroh web: --port {port} is not a port (1-65535)", file=sys.stderr)
        return 2
    if not 1 <= workers <= MAX_WEB_WORKERS:
        print(
            f"hamroh web: --workers {workers} is not a number of processes "
            f"(1-{MAX_WEB_WORKERS}; one per core is usual)",
            file=sys.stderr,
        )
        return 2
    from bot.core.rules import RulesetInvalid, load_ruleset
    from bot.i18n import CatalogsUnusable, require_catalogs
    from bot.ops.logs import configure_logging, resolve_format
    from bot.settings import read_settings
    from bot.web.server import Serving, WorkerFailed, serve

    settings = read_settings()
    try:
        ruleset = load_ruleset(settings.rules_dir)
    except RulesetInvalid as error:
        print(
            f"hamroh web: the ruleset in {settings.rules_dir} has errors (run it in the "
            "project folder, or set HAMROH_RULES_DIR):",
            file=sys.stderr,
        )
        print(str(error), file=sys.stderr)
        return 2
    try:
        catalogs = require_catalogs(settings.locales_dir)  # here, before any worker starts
    except CatalogsUnusable as error:
        print(f"hamroh web: {error}; set HAMROH_LOCALES_DIR", file=sys.stderr)
        return 2
    serving = Serving(
        rules_dir=settings.rules_dir,
        locales_dir=Path(settings.locales_dir),
        font_dir=settings.font_dir,
        as_of=_as_of(as_of) if as_of else None,
        access_log=access_log,
        log_level=settings.log_level,
        log_format=resolve_format(settings.log_format),
    )
    configure_logging(serving.log_level, serving.log_format)
    try:
        serve(serving, host, port, workers=workers, ruleset=ruleset, catalogs=catalogs)
    except OSError as error:  # the port is taken, the address is not ours
        print(f"hamroh web: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 1
    except WorkerFailed:
        print(
            "hamroh web: a worker could not start (the log above says why), so all stopped",
            file=sys.stderr,
        )
        return 2
    return 0


# --------------------------------------------------------------------------- main


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (with ``command``) enough of it to run that command."""
    parser = argparse.ArgumentParser(
        prog="hamroh", description="Hamroh: likely legal status for migrants in Russia."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    rules = sub.add_parser("rules", help="check and try the ruleset")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    check = rules_sub.add_parser("check", help="validate the ruleset and run its tests")
    check.add_argument("directory", nargs="?", default=DEFAULT_RULES)
    ev = rules_sub.add_parser("evaluate", help="evaluate one set of answers")
    ev.add_argument("--answers", required=True, help="YAML or JSON file (- for stdin)")
    ev.add_argument("--as-of", help="judge on this day (YYYY-MM-DD); default today")
    ev.add_argument("--lang", default="ru", choices=LOCALES)
    ev.add_argument("--json", action="store_true", help="print the assessment as JSON")
    ev.add_argument("--rules", default=DEFAULT_RULES, help="ruleset folder")
    ev.add_argument("--ics", metavar="OUT.ics", help="also write the deadlines as a calendar file")
    ev.add_argument(
        "--detailed-titles",
        action="store_true",
        help="calendar titles and texts name each deadline (default: neutral words only)",
    )
    ev.add_argument("--timeline", metavar="OUT.png", help="also write the timeline picture")
    ev.add_argument("--font-dir", help="folder with DejaVuSans.ttf (default: the usual places)")

    diff = rules_sub.add_parser("diff", help="what a ruleset change does to people (counts)")
    diff.add_argument("old_dir")
    diff.add_argument("new_dir")
    diff.add_argument("--as-of", help="judge stored answers on this day; default today")
    diff.add_argument(
        "--db",
        help="stored answers to judge (counts only): a SQLite file or a postgresql:// URL",
    )

    chat = sub.add_parser("chat", help="the interview in the terminal")
    chat.add_argument("--lang", choices=LOCALES)
    chat.add_argument("--as-of", help="pretend today is this day (YYYY-MM-DD)")
    chat.add_argument("--rules", default=DEFAULT_RULES, help="ruleset folder")

    sub.add_parser("run", help="run the Telegram bot (settings from the environment)")
    web = sub.add_parser("web", help="serve the interview as web pages (no bot token needed)")
    web.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    web.add_argument("--as-of", help="pretend today is this day (YYYY-MM-DD), for trying rules")
    web.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving the pages on the one port (default 1; one per core for more "
        "traffic)",
    )
    web.add_argument(
        "--access-log",
        action="store_true",
        help="log method, path, status and time of each request (never addresses or answers)",
    )
    web.add_argument(
        "--check",
        action="store_true",
        help="do not serve: exit 0 only if a hamroh web at --host/--port answers /health",
    )
    add_ops_parsers(sub)
    if command in (None, "broadcast"):  # its options need the broadcast code (~0.5 s to import)
        from bot.admin.cli import add_parser as add_broadcast_parser

        add_broadcast_parser(sub)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (``None``: none, or only options)."""
    return next((word for word in argv if not word.startswith("-")), None)


_CANNOT_LISTEN = frozenset({errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES})
"""Why a webhook server cannot bind: the port is taken, the address is not ours, or a
port below 1024 without the right to it."""

SETTINGS_COMMANDS = frozenset({"run", "web", "health", "db", "broadcast"})
"""The commands that read ``HAMROH_*`` settings (the others do not import them)."""


def main(argv: Sequence[str] | None = None) -> int:
    """``hamroh`` (``argv`` from the command line when ``None``)."""
    if argv is not None:
        return _main(argv)
    try:  # from a shell: output cut short by its reader is no error (`… list | head`)
        code = _main(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the flush at exit
        return 1
    return code


def _main(argv: Sequence[str]) -> int:
    words = list(argv)
    args = build_parser(_command_word(words)).parse_args(words)
    if args.command not in SETTINGS_COMMANDS:  # `rules`, `chat`: no settings to read
        return _run_command(args)
    from bot.settings import SettingsInvalid
    from bot.storage.errors import StorageUnavailableError

    try:
        return _run_command(args)
    except SettingsInvalid as error:  # a HAMROH_* variable that cannot be used
        for problem in error.problems:
            print(f"hamroh {args.command}: {problem}", file=sys.stderr)
        return 2
    except StorageUnavailableError as error:  # `db`, `broadcast`: no database to work on
        where = " ".join(filter(None, [args.command, getattr(args, "db_command", None)]))
        print(f"hamroh {where}: {error}", file=sys.stderr)
        return 1


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "rules" and args.rules_command == "check":
        return rules_check(args.directory)
    if args.command == "rules" and args.rules_command == "evaluate":
        exports = EvaluateExports(args.ics, args.detailed_titles, args.timeline, args.font_dir)
        return rules_evaluate(
            args.rules, args.answers, _as_of(args.as_of), args.lang, args.json, exports
        )
    if args.command == "rules" and args.rules_command == "diff":
        return rules_diff(args.old_dir, args.new_dir, _as_of(args.as_of), args.db)
    if args.command == "chat":
        from bot.chat import run_chat

        return run_chat(args.rules, _as_of(args.as_of), args.lang)
    if args.command == "run":
        from bot.settings import read_settings
        from bot.telegram.app import run

        settings = read_settings()
        if not settings.bot_token.get_secret_value():
            print(
                "hamroh run: set HAMROH_BOT_TOKEN to the token from @BotFather "
                "(see README, 'Run it')",
                file=sys.stderr,
            )
            return 2
        from telegram.error import InvalidToken, NetworkError

        from bot.core.rules import RulesetInvalid
        from bot.i18n import CatalogsUnusable
        from bot.storage import StorageUnavailableError
        from bot.telegram.app import StorageUnavailable

        try:
            run(settings)
        except CatalogsUnusable as error:  # people would read English
            print(f"hamroh run: {error}; set HAMROH_LOCALES_DIR", file=sys.stderr)
            return 2
        except StorageUnavailable as error:  # the SQLite file cannot be used
            print(f"hamroh run: {error}; fix it or set HAMROH_DB_PATH", file=sys.stderr)
            return 2
        except StorageUnavailableError as error:  # PostgreSQL cannot be reached
            print(f"hamroh run: {error}", file=sys.stderr)
            return 1
        except RulesetInvalid as error:  # the bot does not start on a broken ruleset
            print(
                f"hamroh run: the ruleset in {settings.rules_dir} has errors (run it in the "
                "project folder, or set HAMROH_RULES_DIR):",
                file=sys.stderr,
            )
            print(str(error), file=sys.stderr)
            return 2
        except InvalidToken:
            print(
                "hamroh run: Telegram rejected HAMROH_BOT_TOKEN; copy it again from @BotFather",
                file=sys.stderr,
            )
            return 2
        except OSError as error:
            if not settings.use_webhook or error.errno not in _CANNOT_LISTEN:
                raise
            print(
                f"hamroh run: cannot listen for the webhook on {settings.webhook_listen}:"
                f"{settings.webhook_port} ({error.strerror}); stop what uses it or set "
                "HAMROH_WEBHOOK_PORT / HAMROH_WEBHOOK_LISTEN",
                file=sys.stderr,
            )
            return 1
        except NetworkError as error:  # only at start: once running, PTB retries by itself
            token = settings.bot_token.get_secret_value()
            reason = error.message.replace(token, "<token>").replace(
                token.partition(":")[2] or token, "<token>"
            )  # an HTTP library may quote the URL, and the token is in it
            print(
                f"hamroh run: cannot reach the Telegram Bot API at {settings.bot_api_url} "
                f"({reason}); check the internet connection or HAMROH_BOT_API_URL",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.command == "web" and args.check:
        return check_web(args.host, args.port)
    if args.command == "web":
        return run_web(args.host, args.port, args.as_of, args.access_log, args.workers)
    if args.command in ("health", "db"):
        return run_ops_command(args)
    if args.command == "broadcast":
        from bot.admin.cli import run_broadcast

        return run_broadcast(args)
    return 2


__all__ = ["RuleProblem", "main"]

if __name__ == "__main__":
    sys.exit(main())
