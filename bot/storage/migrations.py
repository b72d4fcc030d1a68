"""The database schema as an ordered list of SQL scripts.

Why a list and ``PRAGMA user_version``: the bot runs unattended on a small machine
and must upgrade its own file on start without a migration tool. Script *n* moves
a file from version *n-1* to *n*; :class:`~bot.storage.connection.SqliteConnection`
applies the missing ones in order, each in one transaction. Never edit a script
that has shipped: append a new one.

Privacy by schema: there is no column for names, usernames, phone numbers,
locations or message texts. The only personal data are Telegram ids, the chosen
locale, questionnaire answers and their summary, reminder dates, and outgoing
message texts while they wait in the outbox (cleared once delivered).
"""

from __future__ import annotations

from typing import Final

_V1_CORE = """
CREATE TABLE users (
    user_id          INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    locale           TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    last_seen_at     TEXT    NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    reminders_opt_in INTEGER NOT NULL DEFAULT 1 CHECK (reminders_opt_in IN (0, 1)),
    citizenship      TEXT,
    status           TEXT,
    ruleset_version  TEXT,
    assessed_at      TEXT
);
CREATE INDEX users_last_seen ON users (last_seen_at);

CREATE TABLE answers (
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    question_id TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, question_id)
) WITHOUT ROWID;

CREATE TABLE interviews (
    user_id          INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    pending_question TEXT,
    history          TEXT NOT NULL DEFAULT '[]',
    updated_at       TEXT NOT NULL
);

CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    deadline_id     TEXT    NOT NULL,
    outcome_id      TEXT    NOT NULL,
    deadline_date   TEXT    NOT NULL,
    remind_at       TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('before', 'due', 'followup')),
    offset_days     INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (state IN ('scheduled', 'queued', 'sent', 'failed', 'cancelled')),
    ruleset_version TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    UNIQUE (user_id, deadline_id, deadline_date, kind, offset_days)
);
-- Partial index: only scheduled rows are ever scanned for due work, so the index stays
-- small while sent history grows, and "due before now ORDER BY remind_at LIMIT n" is a
-- range scan that stops after n rows even with millions of reminders.
CREATE INDEX reminders_due ON reminders (remind_at) WHERE state = 'scheduled';
"""

_V2_OUTBOX = """
CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    payload    TEXT    NOT NULL,
    paid       INTEGER NOT NULL DEFAULT 0 CHECK (paid IN (0, 1)),
    created_at TEXT    NOT NULL
);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER,
    kind         TEXT    NOT NULL CHECK (kind IN ('reminder', 'broadcast', 'notice')),
    priority     INTEGER NOT NULL,
    payload      TEXT,
    not_before   TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    broadcast_id INTEGER REFERENCES broadcasts (id) ON DELETE CASCADE,
    reminder_id  INTEGER,
    created_at   TEXT    NOT NULL,
    claimed_at   TEXT,
    sent_at      TEXT
);
-- Claiming due work walks this partial index in priority order and stops after LIMIT.
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_in_flight ON outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX outbox_chat ON outbox (chat_id);
CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_reminder ON outbox (reminder_id) WHERE reminder_id IS NOT NULL;
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1_CORE, _V2_OUTBOX)
"""Every schema script in order; ``len(MIGRATIONS)`` is the current schema version."""

SCHEMA_VERSION: Final[int] = len(MIGRATIONS)
