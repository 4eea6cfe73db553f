-- The procurement catalog and the sales pipeline, synced from ConnectWise. Records that
-- disappear from ConnectWise are marked deleted, never removed: links made in Optima survive.
-- Portable between SQLite and PostgreSQL: text ids and timestamps, booleans as BIGINT 0/1,
-- ConnectWise reference objects ({id, identifier, name}) kept as JSON text.
CREATE TABLE catalog_items (
    id                   TEXT PRIMARY KEY,
    cw_id                BIGINT NOT NULL UNIQUE,
    identifier           TEXT NOT NULL,
    name                 TEXT NOT NULL,
    description          TEXT,
    customer_description TEXT,
    internal_notes       TEXT,
    manufacturer         TEXT,
    manufacturer_cw_id   BIGINT,
    part_number          TEXT,
    vendor_name          TEXT,
    vendor_sku           TEXT,
    vendor_cw_id         BIGINT,
    price                DOUBLE PRECISION,
    cost                 DOUBLE PRECISION,
    inactive             BIGINT NOT NULL DEFAULT 0,
    sales_taxable        BIGINT NOT NULL DEFAULT 0,
    on_hand              DOUBLE PRECISION NOT NULL DEFAULT 0,
    -- Lower-cased name, identifier, description, part number, vendor SKU and manufacturer.
    search_key           TEXT NOT NULL,
    cw_last_updated      TEXT,
    deleted_at           TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
-- Lists walk this index in name order, filtering on the flags it carries, and stop after a
-- page; counts scan it alone. (An index led by the flags would look selective to a planner
-- without statistics, and cost a table lookup per row.)
CREATE INDEX catalog_items_name ON catalog_items(name, id, inactive, deleted_at);
-- Searches scan this narrower index rather than the table, and it holds what ordering and
-- counting the matches needs.
CREATE INDEX catalog_items_search ON catalog_items(search_key, inactive, deleted_at, name, id);
CREATE INDEX catalog_items_identifier ON catalog_items(identifier);

-- Links between catalog items are Optima's own data (a laptop and its warranty).
CREATE TABLE catalog_links (
    source_id  TEXT NOT NULL REFERENCES catalog_items(id) ON DELETE CASCADE,
    target_id  TEXT NOT NULL REFERENCES catalog_items(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (source_id, target_id)
);
CREATE INDEX catalog_links_target ON catalog_links(target_id);

CREATE TABLE opportunities (
    id                   TEXT PRIMARY KEY,
    cw_id                BIGINT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    notes                TEXT,
    type_ref             TEXT,
    stage_ref            TEXT,
    status_ref           TEXT,
    priority_ref         TEXT,
    rating_ref           TEXT,
    source               TEXT,
    campaign_ref         TEXT,
    primary_sales_rep    TEXT,
    secondary_sales_rep  TEXT,
    company_ref          TEXT,
    contact_ref          TEXT,
    site_ref             TEXT,
    customer_po          TEXT,
    total_sales_tax      DOUBLE PRECISION,
    location_ref         TEXT,
    department_ref       TEXT,
    expected_close_date  TEXT,
    pipeline_change_date TEXT,
    date_became_lead     TEXT,
    closed_date          TEXT,
    closed_flag          BIGINT NOT NULL DEFAULT 0,
    closed_by            TEXT,
    -- The ConnectWise company; Optima's company id is looked up from it when read, so an
    -- opportunity synced before its company still links once the company arrives.
    cw_company_id        BIGINT,
    search_key           TEXT NOT NULL,
    cw_last_updated      TEXT,
    deleted_at           TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX opportunities_name ON opportunities(name, id, closed_flag, deleted_at);
CREATE INDEX opportunities_search ON opportunities(search_key, closed_flag, deleted_at, name, id);
CREATE INDEX opportunities_company ON opportunities(cw_company_id);
