-- The vault's history, one-time codes and password policies.
--
-- A credential's version: 1 when created (or when history began), one more with each change of its
-- field values. Writes go only over the version read, so a write based on an older read fails
-- rather than overwriting what happened in between. `rotation_due` (0/1) marks credentials whose
-- secure values should be changed.
ALTER TABLE credentials ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE credentials ADD COLUMN rotation_due BIGINT NOT NULL DEFAULT 0;

-- A type's password policy for generated values, as JSON (NULL: the default policy).
ALTER TABLE credential_types ADD COLUMN password_policy TEXT;

-- What a read was: `value` (live values), `code` (a one-time code from a totp field) or
-- `history` (a value as it was in `version`).
ALTER TABLE secure_value_reads ADD COLUMN kind TEXT NOT NULL DEFAULT 'value';
ALTER TABLE secure_value_reads ADD COLUMN version BIGINT;
CREATE INDEX secure_value_reads_user_credential ON secure_value_reads(user_id, credential_id);

-- One row per version: who, when, which fields. No foreign keys: a deleted credential's history
-- is kept for the retention period (see deleted_credentials).
CREATE TABLE credential_versions (
    credential_id  TEXT NOT NULL,
    version        BIGINT NOT NULL,
    at             TEXT NOT NULL,
    changed_by     TEXT,
    -- the field ids given a value in this version, as a JSON array
    changed_fields TEXT NOT NULL,
    restored_from  BIGINT,
    PRIMARY KEY (credential_id, version)
);

-- The values changes replaced: a field's value up to and including `version`. `value` is NULL
-- when the field had none; sealed text for `<field id>@<version>` when `secure` is 1.
CREATE TABLE credential_field_history (
    credential_id TEXT NOT NULL,
    field_id      TEXT NOT NULL,
    version       BIGINT NOT NULL,
    secure        BIGINT NOT NULL,
    value         TEXT,
    PRIMARY KEY (credential_id, field_id, version)
);

-- What remains of a deleted credential while its history is kept.
CREATE TABLE deleted_credentials (
    credential_id    TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    type_id          TEXT NOT NULL,
    permission_scope TEXT NOT NULL,
    company_id       TEXT NOT NULL,
    deleted_at       TEXT NOT NULL
);
CREATE INDEX deleted_credentials_at ON deleted_credentials(deleted_at);
