"""An :class:`~bot.storage.queue_models.Audience` as a SQL condition on ``users``.

Why one builder for both backends: the filters mean the same everywhere; only the
parameter marker (``?`` or ``%s``), the spelling of "true" and how a date is passed
differ, and those are the :class:`~bot.storage.dialect.Dialect`.
"""

from __future__ import annotations

from bot.storage.dialect import Dialect
from bot.storage.queue_models import Audience


def audience_where(audience: Audience, dialect: Dialect) -> tuple[str, list[object]]:
    """The condition on ``users`` selecting ``audience``, and its parameters."""
    clauses: list[str] = [dialect.active]
    params: list[object] = []
    for column, values in (
        ("locale", audience.locales),
        ("citizenship", audience.citizenships),
        ("status", audience.statuses),
    ):
        if values is None:
            continue
        named = sorted(v for v in values if v is not None)
        parts = []
        if named:
            parts.append(f"{column} IN ({', '.join([dialect.mark] * len(named))})")
            params.extend(named)
        if None in values:
            parts.append(f"{column} IS NULL")
        clauses.append("(" + " OR ".join(parts or ["1 = 0"]) + ")")
    if audience.deadline_between is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM user_deadlines AS d WHERE d.user_id = users.user_id "
            f"AND d.deadline_date BETWEEN {dialect.mark} AND {dialect.mark})"
        )
        params.extend(dialect.date(day) for day in audience.deadline_between)
    return " AND ".join(clauses), params
