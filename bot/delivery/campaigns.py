"""Admin broadcasts ("campaigns"): texts per language, an audience, a time, progress.

Why a table of its own: an admin writes one message in up to five languages, picks
who gets it and when, and wants to see scheduled and past broadcasts later. The send
queue only knows "this text to these chats" (``broadcasts`` + ``outbox``), so a
campaign becomes, when it is due, one ``broadcasts`` row per locale and one outbox
row per recipient — all in one transaction with the campaign's switch from
``scheduled`` to ``sending``. A restart before that moment loses nothing (the
campaign is still ``scheduled``); a restart after it is the outbox's business
(at-least-once, see :mod:`bot.delivery.outbox`). Either way no campaign is
materialised twice.

Life cycle::

    draft ──confirm──▶ scheduled ──due──▶ sending ──all rows final──▶ done
      └────────────────────┴─────────cancel────────┴──▶ cancelled

The audience is selected when the campaign is due, not when it is written: people
who deleted their data, blocked the bot or changed their language in between are
treated as they are at sending time. Users whose language has no text get the
Russian one (the admin is told so in the preview).

Texts are Telegram HTML. Final counts are copied into the campaign row, because the
retention job prunes old outbox rows.

This module is the workflow; the value types are in :mod:`bot.storage.campaign_models`,
the SQL in the storage backend (:attr:`Storage.campaigns`), the text checks in
:mod:`bot.delivery.campaign_texts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from bot.delivery.campaign_texts import check_texts, merge_texts
from bot.delivery.items import PRIORITY_BROADCAST
from bot.delivery.outbox import Outbox
from bot.delivery.payload import MessagePayload
from bot.storage.campaign_models import (
    CAMPAIGN_STATES,
    FALLBACK_LOCALE,
    MAX_DEADLINE_DAYS,
    AudienceSpec,
    Campaign,
    CampaignPart,
    CampaignProgress,
    CampaignState,
)
from bot.storage.interface import CampaignRecords

__all__ = [
    "CAMPAIGN_STATES",
    "FALLBACK_LOCALE",
    "MAX_DEADLINE_DAYS",
    "AudienceSpec",
    "Campaign",
    "CampaignProgress",
    "CampaignState",
    "CampaignStore",
    "check_texts",
    "merge_texts",
]


class CampaignStore:
    """Drafts, scheduling, materialisation and progress of campaigns, on the outbox's database."""

    def __init__(self, outbox: Outbox) -> None:
        """Campaigns live on ``outbox``'s storage; starting one wakes its sender."""
        self._outbox = outbox
        self._records: CampaignRecords = outbox.storage.campaigns

    # ------------------------------------------------------------------ drafts
    async def create(
        self,
        *,
        now: dt.datetime,
        created_by: int | None = None,
        admin_chat_id: int | None = None,
        texts: Mapping[str, str] | None = None,
        spec: AudienceSpec | None = None,
        send_at: dt.datetime | None = None,
        paid: bool = False,
        state: CampaignState = "draft",
        awaiting: str | None = None,
    ) -> Campaign:
        """Insert a campaign (a draft, or ``scheduled`` straight from the command line)."""
        if state not in ("draft", "scheduled"):
            raise ValueError("a new campaign is a draft or scheduled")
        if state == "scheduled":
            check_texts(texts or {})
            if send_at is None:
                raise ValueError("a scheduled campaign needs send_at")
        return await self._records.insert(
            state=state,
            created_by=created_by,
            admin_chat_id=admin_chat_id,
            texts=dict(texts or {}),
            spec=spec or AudienceSpec(),
            send_at=send_at,
            awaiting=awaiting,
            paid=paid,
            now=now,
        )

    async def get(self, campaign_id: int) -> Campaign | None:
        return await self._records.get(campaign_id)

    async def draft_of(self, admin_id: int) -> Campaign | None:
        """The admin's newest draft, if any."""
        return await self._records.draft_of(admin_id)

    async def update_draft(self, campaign_id: int, **changes: Any) -> Campaign | None:
        """Change a draft's ``texts``, ``audience`` (an :class:`AudienceSpec`), ``send_at``,
        ``awaiting`` or ``paid``; ``None`` if it is no longer a draft."""
        await self._records.update_draft(campaign_id, changes)
        found = await self.get(campaign_id)
        return found if found is not None and found.state == "draft" else None

    async def schedule(self, campaign_id: int, send_at: dt.datetime) -> Campaign | None:
        """Confirm a draft: it is sent at ``send_at`` (now or later). ``None`` if not a draft."""
        campaign = await self.get(campaign_id)
        if campaign is None or campaign.state != "draft":
            return None
        check_texts(campaign.texts)
        await self._records.schedule(campaign_id, send_at)
        return await self.get(campaign_id)

    # ------------------------------------------------------------------ audience
    async def count(
        self, spec: AudienceSpec, all_locales: Sequence[str], today: dt.date
    ) -> dict[str, int]:
        """Recipients per target locale if the campaign were sent ``today``."""
        return {
            locale: await self._records.count_audience(spec.audience(locale, today))
            for locale in spec.target_locales(all_locales)
        }

    # ------------------------------------------------------------------ sending
    async def due(self, now: dt.datetime) -> list[Campaign]:
        """Scheduled campaigns whose time has come, oldest first."""
        return await self._records.due(now)

    async def start(
        self, campaign_id: int, *, now: dt.datetime, today: dt.date, all_locales: Sequence[str]
    ) -> Campaign | None:
        """Materialise a due campaign into the outbox, atomically; ``None`` if not due.

        One ``broadcasts`` row per target locale (its own text or the Russian one),
        recipients selected inside the database. A campaign with nobody to reach is
        ``done`` at once.
        """
        campaign = await self.get(campaign_id)
        if campaign is None or campaign.state != "scheduled":
            return None
        if campaign.send_at is not None and campaign.send_at > now:
            return None
        parts = []
        for locale in campaign.spec.target_locales(all_locales):
            text = campaign.text_for(locale)
            if text is None:
                continue
            payload = MessagePayload(text, parse_mode="HTML")
            parts.append(CampaignPart(payload.to_json(), campaign.spec.audience(locale, today)))
        total = await self._records.start(
            campaign_id, parts, priority=PRIORITY_BROADCAST, paid=campaign.paid, now=now
        )
        if total is None:
            return None
        if total:
            self._outbox.notify()
        return await self.get(campaign_id)

    async def progress(self, campaign_id: int) -> CampaignProgress:
        """Live counts from the outbox (blocked = failed with Telegram's 403)."""
        return await self._records.progress(campaign_id)

    async def in_progress(self) -> list[Campaign]:
        return await self._records.in_progress()

    async def finish(
        self, campaign_id: int, progress: CampaignProgress, now: dt.datetime
    ) -> Campaign | None:
        """Record the final counts of a campaign whose rows are all final."""
        await self._records.finish(campaign_id, progress, now)
        return await self.get(campaign_id)

    async def mark_reported(self, campaign_id: int, now: dt.datetime) -> None:
        await self._records.mark_reported(campaign_id, now)

    async def cancel(self, campaign_id: int, now: dt.datetime) -> tuple[Campaign | None, int]:
        """Cancel a draft, scheduled or sending campaign; returns it and the rows dropped.

        Rows already handed to Telegram still arrive; only pending ones are dropped.
        """
        dropped = await self._records.cancel(campaign_id, now)
        if dropped is None:
            return None, 0
        campaign = await self.get(campaign_id)
        if campaign is not None and campaign.started_at is not None:
            campaign = await self.finish(campaign_id, await self.progress(campaign_id), now)
        return campaign, dropped

    async def recent(self, limit: int = 20) -> list[Campaign]:
        """Scheduled and sending campaigns first (soonest first), then the latest others."""
        return await self._records.recent(limit)
