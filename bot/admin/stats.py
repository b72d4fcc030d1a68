"""/stats for admins: counts only, never a person.

Why this shape: users may be undocumented, so even admins see aggregates only —
how many people use each language, come from each country, have each status, and
how reminders and the send queue are doing. Small groups are shown as they are:
the counts carry no ids, no answers and no dates.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.storage import Stats

_UNKNOWN = "none"


def _counts(title: str, counts: Mapping[str, int]) -> list[str]:
    if not counts:
        return [f"{title}: none"]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        f"{title}: " + ", ".join(f"{key if key != _UNKNOWN else '—'} {n}" for key, n in ordered)
    ]


def stats_lines(stats: Stats) -> list[str]:
    """The admin's /stats message, as plain text lines."""
    outbox: dict[str, int] = {}
    for (kind, state), count in stats.outbox_by_kind_state.items():
        outbox[f"{kind} {state}"] = count
    lines = [
        f"Users: {stats.users_total} ({stats.users_active} active, "
        f"{stats.users_total - stats.users_active} blocked the bot)",
        *_counts("Languages", stats.by_locale),
        *_counts("Citizenship", stats.by_citizenship),
        *_counts("Status", stats.by_status),
        f"Reminders: {stats.reminders_sent} sent, {stats.reminders_failed} failed, "
        f"{stats.reminders_by_state.get('scheduled', 0)} planned",
        *_counts("Send queue", outbox),
    ]
    return lines
