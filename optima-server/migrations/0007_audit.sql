-- The audit trail: one row per change made through the API, per refused request (403) and per
-- reveal of secure values. Rows are chained: `hash` covers the row and `prev_hash`, the hash of
-- the row before it (by `seq`), so editing, inserting or removing a row breaks the chain where it
-- happened (`optima-server audit verify`). Rows never hold a secure value, nor its ciphertext.
CREATE TABLE audit_events (
    seq            BIGINT PRIMARY KEY,
    at             TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    operation_id   TEXT NOT NULL,
    actor_user_id  TEXT,
    api_key_id     TEXT,
    resource_kind  TEXT,
    resource_id    TEXT,
    request_id     TEXT,
    client_address TEXT,
    changes        TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_actor ON audit_events(actor_user_id, seq);
CREATE INDEX audit_events_key ON audit_events(api_key_id, seq);
CREATE INDEX audit_events_resource ON audit_events(resource_kind, resource_id, seq);

-- Where the chain starts once old rows are pruned (OPTIMA_AUDIT_RETENTION_DAYS): the last
-- pruned row's seq and hash, which the first kept row's prev_hash must equal.
CREATE TABLE audit_checkpoint (
    id        BIGINT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    pruned_at TEXT NOT NULL
);
