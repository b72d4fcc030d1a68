"""Storage adapter: SQLite via aiosqlite behind the :class:`Storage` protocol.

Only Telegram ids, the chosen locale, questionnaire answers, reminder dates and
queued outgoing messages are stored; see :mod:`bot.storage.migrations`.
"""

from bot.storage.connection import SchemaTooNewError, SqliteConnection
from bot.storage.errors import UnknownUserError
from bot.storage.interface import Storage
from bot.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.storage.models import (
    DueReminder,
    Interview,
    NewReminder,
    Reminder,
    ReminderKind,
    ReminderState,
    Stats,
    User,
)
from bot.storage.sqlite import Database

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Database",
    "DueReminder",
    "Interview",
    "NewReminder",
    "Reminder",
    "ReminderKind",
    "ReminderState",
    "SchemaTooNewError",
    "SqliteConnection",
    "Stats",
    "Storage",
    "UnknownUserError",
    "User",
]
