"""Storage behind the :class:`Storage` protocol: SQLite via aiosqlite (one process, the
default) or PostgreSQL via psycopg 3 (several instances; :mod:`bot.storage.postgres`).
:func:`open_storage` picks one from a file path or a ``postgresql://`` URL.

Only Telegram ids, the chosen locale, questionnaire answers, reminder dates and
queued outgoing messages are stored; see :mod:`bot.storage.migrations`.
"""

from bot.storage.connection import SchemaTooNewError, SqliteConnection
from bot.storage.errors import StorageUnavailableError, UnknownUserError
from bot.storage.factory import (
    describe_target,
    is_postgres_url,
    open_existing_storage,
    open_storage,
)
from bot.storage.interface import CampaignRecords, SendQueue, Storage
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
    "CampaignRecords",
    "Database",
    "DueReminder",
    "Interview",
    "NewReminder",
    "Reminder",
    "ReminderKind",
    "ReminderState",
    "SchemaTooNewError",
    "SendQueue",
    "SqliteConnection",
    "Stats",
    "Storage",
    "StorageUnavailableError",
    "UnknownUserError",
    "User",
    "describe_target",
    "is_postgres_url",
    "open_existing_storage",
    "open_storage",
]
