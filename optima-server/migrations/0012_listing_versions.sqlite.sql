-- Lists show how many rows match, and counting a large table costs a scan of it. A count of
-- live rows is therefore kept, with the version of its table it was counted at: this number
-- changes whenever a row arrives, leaves, or changes a column that lists filter on, so a count
-- taken at the current version is still right, across processes.
CREATE TABLE listing_versions (
    table_name TEXT PRIMARY KEY,
    version    BIGINT NOT NULL
);
INSERT INTO listing_versions (table_name, version) VALUES
    ('companies', 0), ('catalog_items', 0), ('opportunities', 0);

CREATE TRIGGER companies_listing_insert AFTER INSERT ON companies BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'companies';
END;
CREATE TRIGGER companies_listing_delete AFTER DELETE ON companies BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'companies';
END;
CREATE TRIGGER companies_listing_update AFTER UPDATE OF deleted_at ON companies
WHEN old.deleted_at IS NOT new.deleted_at BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'companies';
END;

CREATE TRIGGER catalog_items_listing_insert AFTER INSERT ON catalog_items BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'catalog_items';
END;
CREATE TRIGGER catalog_items_listing_delete AFTER DELETE ON catalog_items BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'catalog_items';
END;
CREATE TRIGGER catalog_items_listing_update AFTER UPDATE OF deleted_at, inactive ON catalog_items
WHEN old.deleted_at IS NOT new.deleted_at OR old.inactive IS NOT new.inactive BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'catalog_items';
END;

CREATE TRIGGER opportunities_listing_insert AFTER INSERT ON opportunities BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'opportunities';
END;
CREATE TRIGGER opportunities_listing_delete AFTER DELETE ON opportunities BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'opportunities';
END;
CREATE TRIGGER opportunities_listing_update AFTER UPDATE OF deleted_at, closed_flag ON opportunities
WHEN old.deleted_at IS NOT new.deleted_at OR old.closed_flag IS NOT new.closed_flag BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'opportunities';
END;
