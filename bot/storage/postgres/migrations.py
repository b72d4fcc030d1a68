"""The PostgreSQL schema as an ordered list of SQL scripts (its own, not SQLite's).

Why separate scripts: PostgreSQL has real types (``TIMESTAMPTZ``, ``DATE``,
``BOOLEAN``, ``BIGINT`` for Telegram ids), and a fresh install gets today's schema in
one step rather than SQLite's history of ``ALTER``s. Script *n* moves a database from
version *n-1* to *n*; the version lives in ``hamroh_schema``. Never edit a script that
has shipped: append a new one. The same privacy rule as SQLite: no column for names,
usernames, phone numbers, locations or message texts beyond outgoing messages waiting
in the outbox (cleared once delivered).
"""

from __future__ import annotations

from typing import Final

_V1 = """
CREATE TABLE users (
    user_id          BIGINT      PRIMARY KEY,
    chat_id          BIGINT      NOT NULL,
    locale           TEXT        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    last_seen_at     TIMESTAMPTZ NOT NULL,
    active           BOOLEAN     NOT NULL DEFAULT TRUE,
    reminders_opt_in BOOLEAN     NOT NULL DEFAULT FALSE,
    citizenship      TEXT,
    status           TEXT,
    ruleset_version  TEXT,
    assessed_at      TIMESTAMPTZ
);
CREATE INDEX users_last_seen ON users (last_seen_at);
CREATE INDEX users_opted_in ON users (user_id) WHERE reminders_opt_in AND active;

CREATE TABLE answers (
    user_id     BIGINT      NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    question_id TEXT        NOT NULL,
    value       TEXT        NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, question_id)
);

CREATE TABLE interviews (
    user_id          BIGINT      PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    pending_question TEXT,
    history          TEXT        NOT NULL DEFAULT '[]',
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE reminders (
    id              BIGSERIAL   PRIMARY KEY,
    user_id         BIGINT      NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    deadline_id     TEXT        NOT NULL,
    outcome_id      TEXT        NOT NULL,
    deadline_date   DATE        NOT NULL,
    remind_at       TIMESTAMPTZ NOT NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('before', 'due', 'followup')),
    offset_days     INTEGER     NOT NULL DEFAULT 0,
    state           TEXT        NOT NULL DEFAULT 'scheduled'
                    CHECK (state IN ('scheduled', 'queued', 'sent', 'failed', 'cancelled')),
    ruleset_version TEXT        NOT NULL,
    timezone        TEXT        NOT NULL DEFAULT 'Europe/Moscow',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, deadline_id, deadline_date, kind, offset_days)
);
CREATE INDEX reminders_due ON reminders (remind_at) WHERE state = 'scheduled';

CREATE TABLE user_deadlines (
    user_id       BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    deadline_id   TEXT   NOT NULL,
    deadline_date DATE   NOT NULL,
    PRIMARY KEY (user_id, deadline_id)
);
CREATE INDEX user_deadlines_date ON user_deadlines (deadline_date, user_id);

CREATE TABLE campaigns (
    id            BIGSERIAL   PRIMARY KEY,
    state         TEXT        NOT NULL DEFAULT 'draft'
                  CHECK (state IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    created_by    BIGINT,
    admin_chat_id BIGINT,
    texts         TEXT        NOT NULL DEFAULT '{}',
    audience      TEXT        NOT NULL DEFAULT '{}',
    send_at       TIMESTAMPTZ,
    awaiting      TEXT,
    paid          BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    reported_at   TIMESTAMPTZ,
    total         INTEGER     NOT NULL DEFAULT 0,
    sent          INTEGER     NOT NULL DEFAULT 0,
    blocked       INTEGER     NOT NULL DEFAULT 0,
    failed        INTEGER     NOT NULL DEFAULT 0,
    dropped       INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX campaigns_due ON campaigns (send_at) WHERE state = 'scheduled';

CREATE TABLE broadcasts (
    id          BIGSERIAL   PRIMARY KEY,
    payload     TEXT        NOT NULL,
    paid        BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT      REFERENCES campaigns (id)
);
CREATE INDEX broadcasts_campaign ON broadcasts (campaign_id) WHERE campaign_id IS NOT NULL;

CREATE TABLE outbox (
    id           BIGSERIAL   PRIMARY KEY,
    chat_id      BIGINT      NOT NULL,
    user_id      BIGINT,
    kind         TEXT        NOT NULL CHECK (kind IN ('reminder', 'broadcast', 'notice')),
    priority     INTEGER     NOT NULL,
    payload      TEXT,
    not_before   TIMESTAMPTZ NOT NULL,
    state        TEXT        NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts     INTEGER     NOT NULL DEFAULT 0,
    last_error   TEXT,
    broadcast_id BIGINT      REFERENCES broadcasts (id) ON DELETE CASCADE,
    reminder_id  BIGINT,
    created_at   TIMESTAMPTZ NOT NULL,
    claimed_at   TIMESTAMPTZ,
    sent_at      TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (priority, not_before, id) WHERE state = 'pending';
CREATE INDEX outbox_in_flight ON outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX outbox_chat ON outbox (chat_id);
CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state) WHERE broadcast_id IS NOT NULL;
CREATE INDEX outbox_reminder ON outbox (reminder_id) WHERE reminder_id IS NOT NULL;

CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE ruleset_snapshots (
    fingerprint TEXT        PRIMARY KEY,
    version     TEXT        NOT NULL,
    files       TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Several instances: an update's turn in its chat (bot.cluster.update_order) and the
-- live instances sharing one send budget (bot.cluster.shared_budget).
CREATE TABLE update_turns (
    update_id   BIGINT      PRIMARY KEY,
    chat_id     BIGINT      NOT NULL,
    owner       TEXT        NOT NULL,
    accepted_at TIMESTAMPTZ NOT NULL,
    done_at     TIMESTAMPTZ
);
CREATE INDEX update_turns_open ON update_turns (chat_id, update_id) WHERE done_at IS NULL;
CREATE INDEX update_turns_done ON update_turns (done_at) WHERE done_at IS NOT NULL;
CREATE TABLE instances (
    instance   TEXT        PRIMARY KEY,
    seen_at    TIMESTAMPTZ NOT NULL,
    halt_until TIMESTAMPTZ
);
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1,)
SCHEMA_VERSION: Final[int] = len(MIGRATIONS)
