-- osdgate relay schema, version 2: configuration versions, media, devices, tokens, nonces,
-- authentication records, rate limits, status messages and content blobs.
-- Times are milliseconds since the Unix epoch (INTEGER). IDs and keys are TEXT.

-- Every published configuration version; the current one is the highest version.
CREATE TABLE config_versions (
    version          INTEGER PRIMARY KEY NOT NULL,
    document         TEXT NOT NULL,     -- the published document (JSON)
    view             TEXT NOT NULL,     -- what the relay serves from it (policy/content/locate), JSON
    sha256           TEXT NOT NULL,
    published_at     INTEGER NOT NULL,
    published_by     TEXT NOT NULL,
    comment          TEXT,
    rolled_back_from INTEGER
);

CREATE TABLE media (
    media_id       TEXT PRIMARY KEY NOT NULL,
    public_key     TEXT NOT NULL,       -- raw ed25519 key, URL-safe base64 without padding
    deployments    TEXT NOT NULL,       -- JSON array of deployment IDs
    expires_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
);

-- Challenge nonces: single use (deleted when used), short-lived.
CREATE TABLE auth_nonces (
    nonce        TEXT PRIMARY KEY NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX auth_nonces_expiry ON auth_nonces (expires_at);

-- Every authentication attempt, accepted or refused.
CREATE TABLE auth_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    address      TEXT,
    outcome      TEXT NOT NULL
);
CREATE INDEX auth_events_subject ON auth_events (subject_kind, subject_id, id);

-- Fixed-window counters (per media/device and per client address).
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
);

CREATE TABLE devices (
    device_id      TEXT PRIMARY KEY NOT NULL,
    smbios_guid    TEXT,
    mac            TEXT,
    public_key     TEXT NOT NULL UNIQUE,
    media_id       TEXT NOT NULL,
    deployments    TEXT NOT NULL,
    registered_at  INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
);

CREATE TABLE device_tokens (
    token_id   TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (device_id),
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX device_tokens_device ON device_tokens (device_id);

-- Status messages; `seq` orders them and is the paging cursor; `message_id` makes posts idempotent.
CREATE TABLE status_messages (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id    TEXT NOT NULL UNIQUE,
    deployment_id TEXT NOT NULL,
    device_id     TEXT,
    media_id      TEXT,
    smbios_guid   TEXT,
    step          TEXT NOT NULL,
    state         TEXT NOT NULL,
    progress      INTEGER,
    error_code    TEXT,
    log_excerpt   TEXT,
    sent_at       INTEGER,
    received_at   INTEGER NOT NULL
);
CREATE INDEX status_by_deployment ON status_messages (deployment_id, seq);
CREATE INDEX status_by_device ON status_messages (device_id, seq);

-- Complete, verified content blobs (the only ones ever served), by SHA-256.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY NOT NULL,
    size        INTEGER NOT NULL,
    r2_key      TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);

-- Multipart uploads in progress; invisible to clients until completed and verified.
CREATE TABLE uploads (
    upload_id    TEXT PRIMARY KEY NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    part_size    INTEGER NOT NULL,
    r2_key       TEXT NOT NULL,
    r2_upload_id TEXT NOT NULL,
    started_at   INTEGER NOT NULL
);

CREATE TABLE upload_parts (
    upload_id   TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);

UPDATE relay_meta SET value = '2' WHERE key = 'schema_version';
