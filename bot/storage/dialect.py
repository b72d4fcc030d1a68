"""What differs between the SQLite and the PostgreSQL spelling of the same statement.

Why one place: both backends keep the same tables and mean the same by every
statement; only the parameter mark (``?`` or ``%s``), how "true" is written, how a
date or a moment is passed and read back, and a few function names differ. Code
shared by both (the audience filter, the campaign statements) is written once with
``?`` marks and these values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.storage.timestamps import aware, maybe_aware, maybe_from_db, to_db


class Fetcher(Protocol):
    """One statement in one trip, its rows back (both backends' connection objects)."""

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one backend spells parameters, flags, dates, moments and ``max(a, b)``."""

    mark: str
    active: str
    """The condition "the user is active"."""
    date: Callable[[dt.date], object]
    moment: Callable[[dt.datetime], object]
    """A moment as a parameter (naive ones are refused by both)."""
    read_moment: Callable[[Any], dt.datetime | None]
    """A nullable moment column as read back."""
    flag: Callable[[bool], object]
    greatest: str
    """The scalar function of two values' larger one."""

    def sql(self, text: str) -> str:
        """``text``, written with ``?`` marks, in this backend's marks (it must hold no
        other ``?`` and, for PostgreSQL, no ``%``)."""
        return text if self.mark == "?" else text.replace("?", self.mark)


SQLITE = Dialect(
    mark="?",
    active="active = 1",
    date=dt.date.isoformat,
    moment=to_db,
    read_moment=maybe_from_db,
    flag=int,
    greatest="MAX",
)
POSTGRES = Dialect(
    mark="%s",
    active="active",
    date=lambda day: day,
    moment=aware,
    read_moment=maybe_aware,
    flag=bool,
    greatest="GREATEST",
)
