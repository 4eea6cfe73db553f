-- The credential vault. Secure values are stored sealed (`v1.<key_id>.<base64>`), never in clear;
-- booleans are BIGINT 0/1 and timestamps RFC 3339 text, as everywhere else.
CREATE TABLE credential_types (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    -- lower-cased name: names are unique ignoring case
    name_key         TEXT NOT NULL UNIQUE,
    permission_scope TEXT NOT NULL,
    icon             TEXT,
    -- the field definitions, as JSON
    fields           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- Credentials and sub-credentials (parent_id set). Deleting a type or a parent cascades.
-- Companies are never deleted (only marked), so a company's credentials stay.
CREATE TABLE credentials (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    notes       TEXT,
    type_id     TEXT NOT NULL REFERENCES credential_types(id) ON DELETE CASCADE,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    parent_id   TEXT REFERENCES credentials(id) ON DELETE CASCADE,
    -- multi_credential field ids from the type's top level, as a JSON array
    schema_path TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX credentials_company ON credentials(company_id, name);
CREATE INDEX credentials_type ON credentials(type_id, name);
CREATE INDEX credentials_parent ON credentials(parent_id);

-- One row per field value; `value` is sealed text when `secure` is 1.
CREATE TABLE credential_fields (
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    field_id      TEXT NOT NULL,
    position      BIGINT NOT NULL,
    secure        BIGINT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (credential_id, field_id)
);

-- Every reveal of secure values. Records outlive the credentials they name: no foreign keys.
CREATE TABLE secure_value_reads (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    -- the fields revealed, as a JSON array
    field_ids     TEXT NOT NULL,
    address       TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX secure_value_reads_at ON secure_value_reads(at);
CREATE INDEX secure_value_reads_credential ON secure_value_reads(credential_id, at);
CREATE INDEX secure_value_reads_user ON secure_value_reads(user_id, at);
