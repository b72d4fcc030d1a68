"""A new ruleset while the bot runs: check it, swap it in, and tell the people it affects.

Why these steps (issue 5):

* **Reload only what passes.** ``/reload`` reads the rules folder, validates it and
  runs its own tests; only if all pass is the new ruleset swapped in. Otherwise the
  old one keeps serving and the admin gets ``file:line: reason`` lines. The files are
  read into memory first and checked from a private copy, so the ruleset served is
  exactly the one checked even if someone edits the folder meanwhile.
* **Pick up a change on start.** The bot remembers the fingerprint of the ruleset it
  served and keeps a copy of its files in the database. A different ruleset on disk
  at start is tested too; if its tests fail and the previous copy loads, the bot
  serves the previous one and logs why.
* **Re-check opted-in users.** Everyone with reminders on is judged again today under
  the old and the new ruleset (:func:`bot.core.rules.diff.compare`), so only the
  effect of the rules shows — not the passing of time. Their summary and reminders are
  replaced; those whose status or deadlines changed get one message saying what
  changed, at a daytime hour. The walk keeps a cursor in the database and resumes
  after a restart.

Nothing here logs answers: counts, fingerprints and file:line problems only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.interview import next_question
from bot.core.rules import Assessment, RuleProblem, Ruleset, check_ruleset, evaluate, run_rule_tests
from bot.core.rules.diff import Change, compare
from bot.core.rules.present import format_day
from bot.i18n import Catalogs, normalize_locale
from bot.storage.models import User

from .reminders import next_daytime, planned_rows, zone_of
from .screens import RulesChanged
from .state import load_state

if TYPE_CHECKING:
    from .services import RulesServices as Services

logger = logging.getLogger(__name__)

SERVED = "ruleset.served"
RECHECK_OLD = "recheck.old"
RECHECK_NEW = "recheck.new"
RECHECK_CURSOR = "recheck.cursor"
RECHECK_BATCH = 200
MAX_PROBLEMS_SHOWN = 30


# --------------------------------------------------------------------------- files


def read_rules_files(directory: str | Path) -> dict[str, str]:
    """Every YAML file under ``directory`` as ``{relative posix path: text}``."""
    base = Path(directory)
    if not base.is_dir():
        return {}
    files = {}
    for path in sorted(base.rglob("*.y*ml")):
        if path.is_file():
            files[path.relative_to(base).as_posix()] = path.read_text(encoding="utf-8")
    return files


def check_files(
    files: dict[str, str], name: str = "rules"
) -> tuple[Ruleset | None, list[RuleProblem]]:
    """Load a ruleset from file texts, through a private temporary copy named ``name``.

    Problems name files as ``<name>/<path>``, exactly as for the original folder.
    """
    with tempfile.TemporaryDirectory(prefix="hamroh-rules-") as tmp:
        base = Path(tmp) / (Path(name).name or "rules")
        base.mkdir()
        root = base.resolve()
        for relative, text in files.items():
            target = (root / relative).resolve()
            if root not in target.parents:
                continue  # never write outside the copy
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return check_ruleset(base)


@dataclass(frozen=True)
class Candidate:
    """A ruleset read from disk and checked: usable only when ``problems`` is empty."""

    ruleset: Ruleset | None
    files: dict[str, str]
    problems: list[RuleProblem]
    tests_run: int = 0

    @property
    def ok(self) -> bool:
        return self.ruleset is not None and not self.problems


def check_candidate(directory: str | Path, *, run_tests: bool = True) -> Candidate:
    """Read, validate and (optionally) test the ruleset in ``directory`` (blocking)."""
    path = Path(directory)
    files = read_rules_files(path)
    if not files:
        return Candidate(None, {}, [RuleProblem(str(path), 1, "no ruleset files found")])
    ruleset, problems = check_files(files, path.name or "rules")
    errors = [p for p in problems if not p.warning]
    if ruleset is None or errors:
        return Candidate(None, files, errors or problems)
    if not run_tests:
        return Candidate(ruleset, files, [])
    count, failures = run_rule_tests(ruleset)
    return Candidate(ruleset if not failures else None, files, failures, count)


def problem_lines(problems: list[RuleProblem], limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """``file:line: reason`` lines, the first ``limit`` of them."""
    shown = [str(p) for p in sorted(problems)[:limit]]
    if len(problems) > limit:
        shown.append(f"… and {len(problems) - limit} more")
    return shown


# --------------------------------------------------------------------------- notices


def change_notice(
    user: User, change: Change, old: Ruleset, new: Ruleset, catalogs: Catalogs, incomplete: bool
) -> RulesChanged:
    """One message in the user's language: what the new rules changed for them."""
    locale = normalize_locale(user.locale)
    _ = catalogs.gettext(locale)

    def status_title(status: str) -> str:
        text = new.header.statuses.get(status) or old.header.statuses.get(status)
        return text.title.get(locale) if text is not None else status

    def label(deadline_id: str) -> str:
        kind = new.header.deadlines.get(deadline_id) or old.header.deadlines.get(deadline_id)
        return kind.label.get(locale) if kind is not None else deadline_id

    lines = []
    if change.status_changed:
        lines.append(
            _("Status: {old} → {new}").format(
                old=status_title(change.old_status), new=status_title(change.new_status)
            )
        )
    for deadline_id, day in change.added:
        lines.append(
            _("New deadline: {date} — {label}").format(
                date=format_day(day, locale), label=label(deadline_id)
            )
        )
    for deadline_id, before, after in change.moved:
        lines.append(
            _("Deadline moved: {label}: {old} → {new}").format(
                label=label(deadline_id),
                old=format_day(before, locale),
                new=format_day(after, locale),
            )
        )
    for deadline_id, _day in change.removed:
        lines.append(_("No longer a deadline: {label}").format(label=label(deadline_id)))
    if incomplete:
        lines.append(_("I have a new question for you: /status"))
    return RulesChanged(
        title=_("The rules in the bot were updated. Your result has changed."),
        lines=tuple(lines),
        footer=_("Your full result: /status. To change an answer: /answers"),
    )


# --------------------------------------------------------------------------- re-check


class Recheck:
    """Judge every opted-in user under the old and the new ruleset (resumable)."""

    def __init__(self, services: Services, *, batch: int = RECHECK_BATCH) -> None:
        self.services = services
        self.batch = batch
        self.checked = 0
        self.notified = 0

    async def begin(self, old: Ruleset | None, new: Ruleset) -> None:
        """Record the job so a restart resumes it (``old=None``: replan only, no notices)."""
        storage = self.services.storage
        await storage.set_state(RECHECK_OLD, old.fingerprint if old is not None else "")
        await storage.set_state(RECHECK_NEW, new.fingerprint)
        await storage.set_state(RECHECK_CURSOR, str(-(2**63)))

    async def run(self, old: Ruleset | None, new: Ruleset) -> None:
        """Walk the opted-in users from the stored cursor to the end, then clear the job."""
        storage = self.services.storage
        cursor = int(await storage.get_state(RECHECK_CURSOR) or -(2**63))
        while True:
            users = await storage.opted_in_users(cursor, self.batch)
            if not users:
                break
            for user in users:
                if self.services.ruleset is not new:
                    logger.info("ruleset changed again; this re-check stops here")
                    return
                try:
                    await self._one(user, old, new)
                except Exception as error:  # one damaged user must not stop everyone's
                    logger.error("re-check of one user failed: %s", type(error).__name__)
                self.checked += 1
            cursor = users[-1].user_id
            await storage.set_state(RECHECK_CURSOR, str(cursor))
            await asyncio.sleep(0)  # let updates through between batches
        for key in (RECHECK_OLD, RECHECK_NEW, RECHECK_CURSOR):
            await storage.set_state(key, None)
        logger.info("ruleset re-check done: %d users, %d told", self.checked, self.notified)

    async def _one(self, user: User, old: Ruleset | None, new: Ruleset) -> None:
        services = self.services
        storage = services.storage
        today, now = services.today(), services.now()
        state = await load_state(storage, new, user.user_id)
        if not state.answers:
            return
        after = evaluate(state.answers, today, new)
        citizenship = after.answers.get("citizenship")
        await storage.save_summary(
            user.user_id,
            citizenship if isinstance(citizenship, str) else None,
            after.status,
            after.ruleset_version,
            now,
            deadlines=[(d.id, d.date) for d in after.deadlines],
        )
        await storage.replace_reminders(user.user_id, planned_rows(after, now), now)
        if old is None:
            return
        before: Assessment = evaluate(
            (await load_state(storage, old, user.user_id)).answers, today, old
        )
        change = compare(before, after)
        if not change.any:
            return
        incomplete = next_question(state.answers, new, today) is not None
        notice = change_notice(user, change, old, new, services.catalogs, incomplete)
        not_before = next_daytime(now, zone_of(None)) or now
        if await services.send_notice(user, notice, not_before):
            self.notified += 1


# --------------------------------------------------------------------------- swapping


@dataclass(frozen=True)
class ReloadResult:
    """What /reload did: ``accepted``, ``unchanged`` or ``rejected`` (with problems)."""

    outcome: str
    ruleset: Ruleset
    problems: list[RuleProblem]
    tests_run: int = 0


async def _snapshot(services: Services, ruleset: Ruleset, files: dict[str, str]) -> None:
    await services.storage.save_ruleset_snapshot(
        ruleset.fingerprint, ruleset.version, files, services.now()
    )
    await services.storage.set_state(SERVED, ruleset.fingerprint)


async def swap_in(services: Services, new: Ruleset, files: dict[str, str]) -> None:
    """Serve ``new`` from now on, remember it, and start re-checking opted-in users."""
    old = services.ruleset
    services.ruleset = new
    await _snapshot(services, new, files)
    recheck = Recheck(services)
    await recheck.begin(old, new)
    services.start_task(recheck.run(old, new), "hamroh-recheck")


async def reload_rules(services: Services) -> ReloadResult:
    """/reload: check the folder; swap only if everything passes (see module docstring)."""
    async with services.rules_lock:
        candidate = await asyncio.to_thread(check_candidate, services.settings.rules_dir)
        current = services.ruleset
        if not candidate.ok or candidate.ruleset is None:
            logger.warning("reload rejected: %d problems", len(candidate.problems))
            return ReloadResult("rejected", current, candidate.problems, candidate.tests_run)
        if candidate.ruleset.fingerprint == current.fingerprint:
            return ReloadResult("unchanged", current, [], candidate.tests_run)
        await swap_in(services, candidate.ruleset, candidate.files)
        logger.info(
            "ruleset %s (%s) now served, was %s (%s)",
            candidate.ruleset.version,
            candidate.ruleset.fingerprint,
            current.version,
            current.fingerprint,
        )
        return ReloadResult("accepted", candidate.ruleset, [], candidate.tests_run)


async def _load_snapshot(services: Services, fingerprint: str) -> Ruleset | None:
    files = await services.storage.load_ruleset_snapshot(fingerprint)
    if not files:
        return None
    ruleset, problems = await asyncio.to_thread(check_files, files)
    if ruleset is None or any(not p.warning for p in problems):
        return None
    return ruleset


async def pick_up_on_start(services: Services) -> None:
    """At start: compare the ruleset loaded from disk with the one served before.

    Same → resume an interrupted re-check. New and its tests pass → remember it and
    re-check everyone against the previous copy. New and tests fail → serve the
    previous copy if it loads (and log the problems), else serve the new one anyway.
    """
    async with services.rules_lock:
        current = services.ruleset
        served = await services.storage.get_state(SERVED)
        if served == current.fingerprint:
            await _resume(services, current)
            return
        files = await asyncio.to_thread(read_rules_files, current.directory)
        copy, _problems = await asyncio.to_thread(check_files, files, Path(current.directory).name)
        exact = copy is not None and copy.fingerprint == current.fingerprint
        if served is None:
            if exact:
                await _snapshot(services, current, files)
            return
        previous = await _load_snapshot(services, served)
        _count, failures = await asyncio.to_thread(run_rule_tests, current)
        if failures and previous is not None:
            logger.error(
                "the ruleset on disk fails its tests; serving the previous one (%s):\n%s",
                previous.fingerprint,
                "\n".join(problem_lines(failures)),
            )
            services.ruleset = previous
            return
        if failures:
            logger.error(
                "the ruleset on disk fails its tests and no previous copy loads:\n%s",
                "\n".join(problem_lines(failures)),
            )
        if exact:
            await _snapshot(services, current, files)
        else:
            await services.storage.set_state(SERVED, current.fingerprint)
        recheck = Recheck(services)
        await recheck.begin(previous, current)
        services.start_task(recheck.run(previous, current), "hamroh-recheck")


async def _resume(services: Services, current: Ruleset) -> None:
    """Continue a re-check a restart interrupted (same target ruleset only)."""
    target = await services.storage.get_state(RECHECK_NEW)
    if target != current.fingerprint:
        if target is not None:
            for key in (RECHECK_OLD, RECHECK_NEW, RECHECK_CURSOR):
                await services.storage.set_state(key, None)
        return
    old_fingerprint = await services.storage.get_state(RECHECK_OLD)
    old = await _load_snapshot(services, old_fingerprint) if old_fingerprint else None
    logger.info("resuming the ruleset re-check")
    services.start_task(Recheck(services).run(old, current), "hamroh-recheck")


async def wait_for_tasks(services: Services, timeout: float | None = None) -> None:
    """Await the background tasks started so far (tests; shutdown uses cancel)."""
    tasks = list(services.tasks)
    if tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.gather(*tasks), timeout)
