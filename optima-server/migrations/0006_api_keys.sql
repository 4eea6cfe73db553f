-- API keys: each acts for its owner, with at most the owner's grants. Only a hash of the secret
-- is kept; the prefix (random, shown in lists) finds the row. A key made by another key names
-- it, so that revoking a key revokes what it made.
CREATE TABLE api_keys (
    id                TEXT PRIMARY KEY,
    owner_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    description       TEXT,
    prefix            TEXT NOT NULL UNIQUE,
    secret_hash       TEXT NOT NULL,
    permissions       TEXT NOT NULL,
    expires_at        TEXT,
    revoked_at        TEXT,
    last_used_at      TEXT,
    last_used_address TEXT,
    created_by_key    TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX api_keys_owner ON api_keys(owner_id);
CREATE INDEX api_keys_maker ON api_keys(created_by_key);
