-- Companies synced from ConnectWise. A company that disappears from ConnectWise is marked
-- deleted, never removed: its credentials stay in the vault.
CREATE TABLE companies (
    id              TEXT PRIMARY KEY,
    cw_id           BIGINT NOT NULL UNIQUE,
    identifier      TEXT NOT NULL,
    name            TEXT NOT NULL,
    search_key      TEXT NOT NULL,
    cw_last_updated TEXT,
    deleted_at      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX companies_name ON companies(name);

-- Where each kind of sync got to: the newest lastUpdated seen, and when it last ran.
CREATE TABLE sync_state (
    kind         TEXT PRIMARY KEY,
    watermark    TEXT,
    last_full_at TEXT,
    last_run_at  TEXT,
    last_report  TEXT
);
