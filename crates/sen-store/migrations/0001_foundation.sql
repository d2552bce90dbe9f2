-- Foundation: tenants, units, accounts, roles, sessions, citizens, outbox, events.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Keys are UUIDv7 text,
-- times are UTC RFC 3339 text with microseconds, flags are BIGINT 0/1.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    parent_id TEXT REFERENCES units(id),
    code TEXT NOT NULL,
    abbreviation TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    merged_into TEXT REFERENCES units(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, code)
);
CREATE INDEX units_parent ON units (parent_id);

-- A merge is a recorded operation: the source unit stays, marked merged,
-- and this row says when, by whom and why, and what moved.
CREATE TABLE unit_merges (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES units(id),
    target_id TEXT NOT NULL REFERENCES units(id),
    reason TEXT NOT NULL,
    moved_children BIGINT NOT NULL,
    moved_grants BIGINT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE role_grants (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, role, unit_id)
);
CREATE INDEX role_grants_unit ON role_grants (unit_id);

-- Sessions are stored by the SHA-256 of their token: a database leak gives
-- no usable cookie.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject_kind, subject_id);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    at TEXT NOT NULL,
    success BIGINT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);

CREATE TABLE citizens (
    id TEXT PRIMARY KEY,
    phone TEXT UNIQUE,
    email TEXT UNIQUE,
    full_name TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE citizen_otps (
    id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX citizen_otps_address ON citizen_otps (address, created_at);

-- Messages to send (SMS, e-mail), written in the same transaction as the
-- change that causes them; a worker delivers them with retries.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- The append-only, hash-chained event log. event_head holds the chain's
-- tip and is locked by every appender, which serialises the chain.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    unit_id TEXT,
    object_type TEXT NOT NULL,
    object_id TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_object ON events (object_type, object_id);
CREATE INDEX events_unit ON events (unit_id);

CREATE TABLE event_head (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO event_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
