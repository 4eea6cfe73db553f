-- UniFi sites Optima tracks: one row per site of the controller (`site_id` is the controller's
-- short site name, used in its API paths), optionally linked to a company.
CREATE TABLE unifi_sites (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    site_id    TEXT NOT NULL UNIQUE,
    company_id TEXT REFERENCES companies(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX unifi_sites_company ON unifi_sites(company_id);
