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

_V3_REMINDERS_AND_ADMIN = """
-- Reminders are opt-in: a new user row must start with reminders off. SQLite cannot
-- ALTER a column's default, and rebuilding ``users`` would fire the ON DELETE CASCADE
-- of its child tables. Changing only the default is one of the edits SQLite documents
-- as safe through ``writable_schema`` (the stored rows are untouched); RESET makes this
-- connection re-read the schema, and the CREATE INDEX below bumps the schema cookie so
-- other connections re-read it too. Existing rows keep their value: we cannot tell who
-- opted in.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'reminders_opt_in INTEGER NOT NULL DEFAULT 1',
                          'reminders_opt_in INTEGER NOT NULL DEFAULT 0')
 WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
-- Re-evaluating everyone who opted in (after a ruleset change) walks this small index.
CREATE INDEX users_opted_in ON users (user_id) WHERE reminders_opt_in = 1;

-- The time zone a reminder was planned in: catch-up sends after downtime are moved
-- out of the night in the user's own zone.
ALTER TABLE reminders ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Europe/Moscow';

-- The deadlines of each user's latest result, for the broadcast filter "a deadline
-- within N days" (reminders exist only for users who opted in).
CREATE TABLE user_deadlines (
    user_id       INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    deadline_id   TEXT    NOT NULL,
    deadline_date TEXT    NOT NULL,
    PRIMARY KEY (user_id, deadline_id)
) WITHOUT ROWID;
CREATE INDEX user_deadlines_date ON user_deadlines (deadline_date, user_id);

-- An admin broadcast: texts per locale, an audience, a time. When it is due it becomes
-- one ``broadcasts`` row per locale plus outbox rows (see bot.delivery.campaigns).
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    state         TEXT    NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    created_by    INTEGER,
    admin_chat_id INTEGER,
    texts         TEXT    NOT NULL DEFAULT '{}',
    audience      TEXT    NOT NULL DEFAULT '{}',
    send_at       TEXT,
    awaiting      TEXT,
    paid          INTEGER NOT NULL DEFAULT 0 CHECK (paid IN (0, 1)),
    created_at    TEXT    NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    reported_at   TEXT,
    total         INTEGER NOT NULL DEFAULT 0,
    sent          INTEGER NOT NULL DEFAULT 0,
    blocked       INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    dropped       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX campaigns_due ON campaigns (send_at) WHERE state = 'scheduled';
ALTER TABLE broadcasts ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id);
CREATE INDEX broadcasts_campaign ON broadcasts (campaign_id) WHERE campaign_id IS NOT NULL;

-- Small facts the bot keeps between runs (the ruleset it served, a re-evaluation
-- cursor), and copies of served rulesets so a change can be compared old against new
-- after a restart.
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE ruleset_snapshots (
    fingerprint TEXT PRIMARY KEY,
    version     TEXT NOT NULL,
    files       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1_CORE, _V2_OUTBOX, _V3_REMINDERS_AND_ADMIN)
"""Every schema script in order; ``len(MIGRATIONS)`` is the current schema version."""

SCHEMA_VERSION: Final[int] = len(MIGRATIONS)
