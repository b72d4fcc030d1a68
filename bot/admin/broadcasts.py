"""Admin broadcasts, the same for /broadcast in Telegram and ``hamroh broadcast``.

Why one service for both: a preview must count the same recipients, a scheduled
broadcast must be sent by the same code, and progress must read the same whether the
admin wrote it on a phone or on a server. The Telegram layer and the CLI only collect
input and print these texts.

Admin texts are in English, like the rest of the admin tooling (CLI, rule checks):
admins are the project's staff, and nothing here is ever shown to a migrant. Only
counts are shown — never who a recipient is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.admin.when import MOSCOW, format_moscow
from bot.delivery.campaigns import (
    FALLBACK_LOCALE,
    AudienceSpec,
    Campaign,
    CampaignProgress,
    CampaignStore,
)
from bot.i18n import LOCALES

REPORT_EVERY = dt.timedelta(minutes=10)
"""A long broadcast (100,000 users take about an hour) reports progress this often."""


@dataclass(frozen=True)
class Preview:
    """Recipients per locale now, and the locales that get the Russian text."""

    counts: dict[str, int]
    missing: list[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Report:
    """A message for the admin who started a campaign (``chat_id`` may be ``None``: CLI)."""

    campaign: Campaign
    chat_id: int | None
    text: str
    final: bool


def describe_spec(spec: AudienceSpec) -> str:
    """``languages: ky, tg; status: irregular; deadline within 7 days`` (or ``everyone``)."""
    parts = []
    for label, values in (
        ("languages", spec.locales),
        ("citizenship", spec.citizenships),
        ("status", spec.statuses),
    ):
        if values is not None:
            parts.append(f"{label}: {', '.join(values) or 'none'}")
    if spec.deadline_within_days is not None:
        parts.append(f"a deadline within {spec.deadline_within_days} days")
    return "; ".join(parts) if parts else "everyone"


def describe(campaign: Campaign, preview: Preview | None = None) -> list[str]:
    """What the campaign is: texts, audience, time, recipients (plain text lines)."""
    have = [loc for loc in LOCALES if campaign.texts.get(loc)]
    lines = [
        f"Broadcast #{campaign.id} ({campaign.state})",
        f"Texts: {', '.join(have) or 'none yet'}",
        f"Audience: {describe_spec(campaign.spec)}",
        "When: "
        + (format_moscow(campaign.send_at) if campaign.send_at is not None else "now, on confirm"),
    ]
    missing = preview.missing if preview is not None else campaign.missing(LOCALES)
    if missing and campaign.texts.get(FALLBACK_LOCALE):
        lines.append(f"No own text for {', '.join(missing)}: they get the Russian text.")
    if preview is not None:
        per_locale = ", ".join(f"{loc} {n}" for loc, n in preview.counts.items())
        lines.append(f"Recipients now: {preview.total} ({per_locale})")
    if campaign.paid:
        lines.append("Paid broadcast: up to 1000 msg/s, 0.1 Star per message.")
    return lines


def night_warning(at: dt.datetime) -> str | None:
    """A warning when ``at`` is night in Moscow (21:00-09:00): people are asleep."""
    local = at.astimezone(MOSCOW)
    if 9 <= local.hour < 21:
        return None
    return f"Note: {local:%H:%M} is night in Moscow; most people will get it while asleep."


LATE_AFTER = dt.timedelta(minutes=5)
"""A scheduled broadcast started this much after its time was missed (the bot was down):
the admin is told, so that one meant for the morning and sent at night can be cancelled."""


def started_line(campaign: Campaign, now: dt.datetime) -> str:
    """What the admin is told when a scheduled broadcast starts: recipients, and lateness."""
    line = f"Broadcast #{campaign.id} started: {campaign.counts['total']} recipients."
    if campaign.send_at is None or now - campaign.send_at < LATE_AFTER:
        return line
    minutes = int((now - campaign.send_at).total_seconds() // 60)
    late = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    line += (
        f" It was scheduled for {format_moscow(campaign.send_at)} and starts {late} late: "
        "the bot was not running then."
    )
    warning = night_warning(now)
    if warning:
        line += f" {warning} /broadcast cancel {campaign.id} stops it."
    return line


def progress_line(campaign: Campaign, progress: CampaignProgress) -> str:
    done = progress.total - progress.pending
    return (
        f"Broadcast #{campaign.id}: {done} of {progress.total} done — sent {progress.sent}, "
        f"blocked {progress.blocked}, failed {progress.failed}, skipped {progress.dropped}"
    )


def summary_line(campaign: Campaign) -> str:
    """One line for the list of scheduled and past broadcasts."""
    counts = campaign.counts
    if campaign.state == "scheduled" and campaign.send_at is not None:
        when = f"at {format_moscow(campaign.send_at)}"
    elif campaign.started_at is not None:
        when = f"started {format_moscow(campaign.started_at)}"
    else:
        when = f"created {format_moscow(campaign.created_at)}"
    line = f"#{campaign.id} {campaign.state} {when} — {describe_spec(campaign.spec)}"
    if campaign.state in ("done", "cancelled") and campaign.started_at is not None:
        line += (
            f" — {counts['total']} recipients: sent {counts['sent']}, blocked {counts['blocked']}, "
            f"failed {counts['failed']}, skipped {counts['dropped']}"
        )
    return line


class BroadcastService:
    """Preview, start, report and list campaigns (see the module docstring)."""

    def __init__(self, store: CampaignStore, locales: Sequence[str] = LOCALES) -> None:
        self.store = store
        self.locales = tuple(locales)

    async def preview(self, campaign: Campaign, today: dt.date) -> Preview:
        counts = await self.store.count(campaign.spec, self.locales, today)
        return Preview(counts, campaign.missing(self.locales))

    async def start_due(self, now: dt.datetime, today: dt.date) -> list[Campaign]:
        """Materialise every scheduled campaign whose time has come."""
        started = []
        for campaign in await self.store.due(now):
            result = await self.store.start(
                campaign.id, now=now, today=today, all_locales=self.locales
            )
            if result is not None:
                started.append(result)
        return started

    async def reports(self, now: dt.datetime, every: dt.timedelta = REPORT_EVERY) -> list[Report]:
        """Progress of campaigns being sent: final ones are closed and always reported,
        others every ``every``."""
        out = []
        for campaign in await self.store.in_progress():
            progress = await self.store.progress(campaign.id)
            if progress.done:
                finished = await self.store.finish(campaign.id, progress, now) or campaign
                text = "Finished. " + progress_line(finished, progress)
                out.append(Report(finished, campaign.admin_chat_id, text, True))
                continue
            last = campaign.reported_at or campaign.started_at
            if last is None or now - last >= every:
                await self.store.mark_reported(campaign.id, now)
                out.append(
                    Report(
                        campaign, campaign.admin_chat_id, progress_line(campaign, progress), False
                    )
                )
        return out

    async def listing(self, limit: int = 20) -> list[str]:
        campaigns = await self.store.recent(limit)
        if not campaigns:
            return ["No broadcasts yet."]
        return [summary_line(c) for c in campaigns]
