"""The storage interface the rest of the bot depends on.

Why a Protocol: the SQLite adapter serves one bot process; DESIGN.md ("Growing past
one machine") foresees a PostgreSQL backend for several instances. Handlers, the
scheduler and the CLI should type against :class:`Storage`, never against
:class:`~bot.storage.sqlite.Database`, so that swap stays a new module, not a rewrite.

Contract shared by all implementations:

* every timestamp is passed in by the caller (aware datetimes); storage never reads
  the clock;
* nothing identifying beyond Telegram ids is stored (no names, usernames, phones,
  locations, message texts);
* :meth:`Storage.delete_user` removes every row about a user, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from bot.storage.campaign_models import (
    AudienceSpec,
    Campaign,
    CampaignPart,
    CampaignProgress,
    CampaignState,
)
from bot.storage.models import (
    DueReminder,
    Interview,
    NewReminder,
    Reminder,
    ReminderState,
    Stats,
    User,
)
from bot.storage.queue_models import Audience, ClaimedMessage, QueuedMessage


class SendQueue(Protocol):
    """The durable send queue (``outbox`` rows and ``broadcasts``), as storage keeps it.

    :class:`bot.delivery.outbox.Outbox` drives it: it encodes payloads, wakes the
    sender and documents the delivery policy. Row life cycle: ``pending → sending →
    sent | failed | dropped``; a row's payload is cleared when it reaches a final state.
    """

    async def insert_one(self, message: QueuedMessage, now: dt.datetime) -> int:
        """Queue one message; returns its row id."""

    async def insert_many(self, messages: Iterable[QueuedMessage], now: dt.datetime) -> int:
        """Queue many messages in one transaction; returns how many."""

    async def create_broadcast(
        self,
        payload: str,
        recipients: Iterable[tuple[int, int | None]] | Audience,
        *,
        priority: int,
        paid: bool,
        not_before: dt.datetime,
        now: dt.datetime,
        campaign_id: int | None = None,
    ) -> tuple[int, int]:
        """Store the text once and one row per recipient (``(chat_id, user_id)`` pairs,
        or an :class:`Audience` selected inside the database); returns the broadcast id
        and the number of rows."""

    async def queue_reminders(
        self, items: Iterable[tuple[int, QueuedMessage]], now: dt.datetime
    ) -> int:
        """For each ``(reminder id, message)``: if the reminder is still ``scheduled``,
        mark it ``queued`` and queue the message, atomically; returns how many."""

    async def claim(self, now: dt.datetime, limit: int) -> list[ClaimedMessage]:
        """Move up to ``limit`` due rows ``pending → sending`` (priority, then time, then
        id); a row is never claimed by two callers at once."""

    async def mark_sent(self, row_id: int, now: dt.datetime) -> bool:
        """``sending|pending → sent`` (a linked reminder becomes ``sent``)."""

    async def mark_sent_many(self, row_ids: Iterable[int], now: dt.datetime) -> int:
        """``mark_sent`` for many rows in one transaction; returns how many changed."""

    async def mark_failed(self, row_id: int, reason: str) -> bool:
        """``→ failed`` with a short reason (a linked reminder becomes ``failed``)."""

    async def record_attempt(self, row_id: int, error: str) -> int:
        """Count one failed attempt; the new count (0 if the row is gone)."""

    async def release(self, row_ids: Iterable[int]) -> int:
        """``sending → pending`` without counting an attempt."""

    async def drop_for_user(self, user_id: int, reason: str) -> int:
        """``→ dropped`` for the user's unsent rows (linked reminders are cancelled)."""

    async def drop_for_chat(self, chat_id: int, reason: str) -> int:
        """``→ dropped`` for the chat's unsent rows (linked reminders are cancelled)."""

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        """Drop the broadcast's ``pending`` rows; returns how many."""

    async def recover_in_flight(self, claimed_before: dt.datetime | None = None) -> int:
        """``sending → pending`` for rows claimed before ``claimed_before`` (all if
        ``None``): work a dead process had claimed."""

    async def broadcast_counts(self, broadcast_id: int) -> dict[str, int]:
        """The broadcast's rows by state."""

    async def counts(self) -> dict[tuple[str, str], int]:
        """All rows by ``(kind, state)``."""

    async def states_of_chat(self, chat_id: int) -> list[str]:
        """The states of the rows addressed to a chat, oldest first (for checks)."""

    async def prune(self, finished_before: dt.datetime) -> int:
        """Delete final rows created before the cut-off, and broadcasts left empty."""


class CampaignRecords(Protocol):
    """Stored admin campaigns (see :mod:`bot.delivery.campaigns` for the workflow)."""

    async def insert(
        self,
        *,
        state: CampaignState,
        created_by: int | None,
        admin_chat_id: int | None,
        texts: Mapping[str, str],
        spec: AudienceSpec,
        send_at: dt.datetime | None,
        awaiting: str | None,
        paid: bool,
        now: dt.datetime,
    ) -> Campaign:
        """Store a new campaign and return it."""

    async def get(self, campaign_id: int) -> Campaign | None:
        """One campaign, or ``None``."""

    async def draft_of(self, admin_id: int) -> Campaign | None:
        """The admin's newest draft."""

    async def update_draft(self, campaign_id: int, changes: Mapping[str, Any]) -> None:
        """Change ``texts``/``audience``/``send_at``/``awaiting``/``paid`` of a draft
        (nothing happens to a campaign that is no longer a draft)."""

    async def schedule(self, campaign_id: int, send_at: dt.datetime) -> bool:
        """``draft → scheduled`` at ``send_at``; ``False`` if it was not a draft."""

    async def count_audience(self, audience: Audience) -> int:
        """How many users ``audience`` selects now."""

    async def due(self, now: dt.datetime) -> list[Campaign]:
        """Scheduled campaigns with ``send_at <= now``, oldest first."""

    async def start(
        self,
        campaign_id: int,
        parts: Sequence[CampaignPart],
        *,
        priority: int,
        paid: bool,
        now: dt.datetime,
    ) -> int | None:
        """``scheduled → sending`` with one broadcast per part, atomically; the number of
        recipients (the campaign is ``done`` at once with none), ``None`` if it was not
        scheduled (someone else started it)."""

    async def progress(self, campaign_id: int) -> CampaignProgress:
        """Live counts of the campaign's outbox rows."""

    async def in_progress(self) -> list[Campaign]:
        """Campaigns in ``sending``, by id."""

    async def finish(self, campaign_id: int, progress: CampaignProgress, now: dt.datetime) -> None:
        """Copy final counts in (``sending → done``; a cancelled one keeps its state)."""

    async def mark_reported(self, campaign_id: int, now: dt.datetime) -> None:
        """Remember when the admin was last told about progress."""

    async def cancel(self, campaign_id: int, now: dt.datetime) -> int | None:
        """``→ cancelled`` and drop its pending rows; how many were dropped, ``None`` if
        it was already finished or unknown."""

    async def recent(self, limit: int) -> list[Campaign]:
        """Sending, then scheduled (soonest first), then the latest others; no drafts."""


class UpdateTurns(Protocol):
    """Per-chat order of Telegram updates across instances (see ``bot.cluster.update_order``)."""

    async def accept(self, update_id: int, chat_id: int, owner: str, now: dt.datetime) -> bool:
        """Record a received update; ``False`` if it is already known (a duplicate)."""

    async def accept_many(
        self, updates: list[tuple[int, int]], owner: str, now: dt.datetime
    ) -> set[int]:
        """Record ``(update id, chat id)`` pairs in one trip; the update ids that were new."""

    async def is_next(self, update_id: int, chat_id: int, stale_before: dt.datetime) -> bool:
        """No earlier unfinished update of the chat, accepted since ``stale_before``, waits."""

    async def finish(self, update_id: int, now: dt.datetime) -> None:
        """The update was handled; later ones of its chat may go."""

    async def prune(self, before: dt.datetime) -> int:
        """Forget turns finished or abandoned before ``before``."""


class Instances(Protocol):
    """Live instances and their shared send halt (see ``bot.cluster.shared_budget``)."""

    async def heartbeat(
        self,
        instance: str,
        now: dt.datetime,
        stale_before: dt.datetime,
        halt_until: dt.datetime | None,
    ) -> tuple[int, dt.datetime | None]:
        """Mark alive (publishing a halt); how many are alive and the latest halt."""

    async def leave(self, instance: str) -> None:
        """Stop counting ``instance`` (clean shutdown)."""


class Coordination(Protocol):
    """What several instances on one database share beyond the data."""

    @property
    def turns(self) -> UpdateTurns: ...

    @property
    def instances(self) -> Instances: ...


@runtime_checkable
class Storage(Protocol):
    """Users, questionnaire state, reminders, aggregates and privacy operations, plus the
    send queue and campaigns on the same database."""

    @property
    def queue(self) -> SendQueue:
        """The send queue on this database."""

    @property
    def campaigns(self) -> CampaignRecords:
        """Admin campaigns on this database."""

    @property
    def coordination(self) -> Coordination | None:
        """Shared by several instances (PostgreSQL), or ``None``: one process owns the
        database (SQLite), so in-memory order and pacing are enough."""

    async def close(self) -> None:
        """Release the connection(s)."""

    async def schema_version(self) -> int:
        """The applied migration count of this backend's own migrations."""

    # users ---------------------------------------------------------------------------
    async def get_user(self, user_id: int) -> User | None:
        """The user row, or ``None`` if the user never talked to the bot (or was deleted)."""

    async def upsert_user(self, user_id: int, chat_id: int, locale: str, now: dt.datetime) -> User:
        """Create the user on first contact; on later contacts refresh chat id and last seen.

        The stored locale is kept on later contacts: the user's explicit choice wins over
        Telegram's ``language_code`` guess.
        """

    async def set_locale(self, user_id: int, locale: str) -> bool:
        """Store the language the user picked. ``False`` if the user does not exist."""

    async def seen(self, user_id: int, now: dt.datetime) -> User | None:
        """Record activity (for retention), mark the user active again and return the
        row, in one step (every update starts with it); ``None`` for a user who never
        picked a language (nothing is recorded then). ``last_seen_at`` is written only
        when it is :data:`~bot.storage.models.LAST_SEEN_STEP` old or older, or the user
        was inactive: otherwise the stored row is returned as it is."""

    async def seen_with_interview(
        self, user_id: int, now: dt.datetime
    ) -> tuple[User | None, Interview]:
        """:meth:`seen`, and the user's interview as :meth:`load_interview` reads it, in
        one step where the backend can (an update acting on the interview needs both);
        a stranger gets ``None`` and an empty interview."""

    async def set_active(self, user_id: int, active: bool) -> bool:
        """Mark a user (in)active; set ``False`` when Telegram says the bot was blocked."""

    async def set_opt_in(self, user_id: int, opt_in: bool) -> bool:
        """Turn deadline reminders on or off for the user."""

    async def save_summary(
        self,
        user_id: int,
        citizenship: str | None,
        status: str | None,
        ruleset_version: str | None,
        assessed_at: dt.datetime | None,
        *,
        deadlines: Iterable[tuple[str, dt.date]] | None = None,
    ) -> bool:
        """Store the latest assessment summary (for /stats and audience filters);
        ``deadlines`` replace the user's stored deadlines when given."""

    async def deadlines_of(self, user_id: int) -> dict[str, dt.date]:
        """The deadlines stored with the user's latest result."""

    async def opted_in_users(self, after_user_id: int, limit: int) -> list[User]:
        """Active users with reminders on, by id after ``after_user_id`` (resumable walk)."""

    # interview -----------------------------------------------------------------------
    async def load_interview(self, user_id: int) -> Interview:
        """Answers, pending question and history; empty if the user has none."""

    async def save_answer(
        self, user_id: int, question_id: str, value: str, now: dt.datetime
    ) -> None:
        """Store or overwrite one answer."""

    async def save_interview(
        self,
        user_id: int,
        answers: Mapping[str, str],
        pending: str | None,
        history: Sequence[str],
        now: dt.datetime,
    ) -> None:
        """Replace the whole questionnaire state in one transaction."""

    async def clear_answers(self, user_id: int) -> None:
        """Forget the answers and the interview pointer (restart the questionnaire)."""

    # reminders -----------------------------------------------------------------------
    async def replace_reminders(
        self, user_id: int, rows: Iterable[NewReminder], now: dt.datetime
    ) -> int:
        """Replace the user's scheduled reminders with ``rows`` atomically; returns inserted."""

    async def due_reminders(self, now_utc: dt.datetime, limit: int) -> list[DueReminder]:
        """Scheduled reminders with ``remind_at <= now_utc``, earliest first."""

    async def mark_reminder(self, reminder_id: int, state: ReminderState) -> bool:
        """Move a reminder to ``state``."""

    async def cancel_reminders(self, user_id: int) -> int:
        """Cancel all of the user's scheduled reminders; returns how many."""

    async def reminders_for(self, user_id: int) -> list[Reminder]:
        """All of the user's reminders, by ``remind_at``."""

    async def get_reminder(self, reminder_id: int) -> Reminder | None:
        """One reminder by id, or ``None``."""

    async def defer_reminder(self, reminder_id: int, remind_at: dt.datetime) -> bool:
        """Move a scheduled reminder to a later time."""

    # state kept between runs -------------------------------------------------------
    async def get_state(self, key: str) -> str | None:
        """A small stored fact (e.g. the fingerprint of the ruleset served last)."""

    async def set_state(self, key: str, value: str | None) -> None:
        """Store a small fact; ``None`` deletes it."""

    async def save_ruleset_snapshot(
        self, fingerprint: str, version: str, files: dict[str, str], now: dt.datetime
    ) -> None:
        """Keep a copy of a served ruleset's files."""

    async def load_ruleset_snapshot(self, fingerprint: str) -> dict[str, str] | None:
        """The files of a stored ruleset copy, or ``None``."""

    # aggregates and privacy --------------------------------------------------------
    async def stats(self) -> Stats:
        """Counts for /stats."""

    async def delete_user(self, user_id: int) -> bool:
        """Delete every row about the user in every table (``/forget``)."""

    async def purge_inactive(self, older_than: dt.datetime) -> int:
        """Delete users last seen before ``older_than`` with everything about them."""

    async def nth_stale_last_seen(self, older_than: dt.datetime, n: int) -> dt.datetime | None:
        """The last-seen time of the ``n``-th (0-based) least recently seen user among
        those last seen before ``older_than``; ``None`` if there are not that many.
        Retention purges in batches below it."""

    async def count_users(self) -> int:
        """How many users are stored (a backup's report)."""

    async def backup(self, dest_path: str | Path) -> Path:
        """Write a consistent copy of the database to ``dest_path``."""
