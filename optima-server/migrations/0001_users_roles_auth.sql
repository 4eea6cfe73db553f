-- Portable between SQLite and PostgreSQL: text ids, text timestamps (RFC 3339, UTC),
-- BIGINT for counters and epoch seconds, JSON arrays kept as text.
CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    moniker     TEXT NOT NULL UNIQUE,
    permissions TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    email                TEXT NOT NULL,
    email_key            TEXT NOT NULL UNIQUE,
    login                TEXT NOT NULL,
    image                TEXT,
    permissions          TEXT NOT NULL,
    sessions_valid_after BIGINT NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles(role_id);

-- Bumped on every change to roles, role assignments or direct grants, so that every replica
-- can tell whether its cached grant sets are still current.
CREATE TABLE rbac_state (
    id      BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO rbac_state (id, version) VALUES (1, 0);

-- A sign-in in progress: the OAuth state maps to the PKCE verifier and to the hash of the
-- callback key that the client holds.
CREATE TABLE auth_requests (
    state             TEXT PRIMARY KEY,
    callback_key_hash TEXT NOT NULL UNIQUE,
    code_verifier     TEXT NOT NULL,
    expires_at        BIGINT NOT NULL
);

-- The outcome of a sign-in, waiting to be collected with the callback key. Tokens are minted
-- when collected, so none is ever stored here.
CREATE TABLE auth_results (
    callback_key_hash TEXT PRIMARY KEY,
    user_id           TEXT,
    error             TEXT,
    expires_at        BIGINT NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
