-- A table's listing version now also moves when a row is renamed: lists are in name order, and
-- a page reached by number starts from kept anchors (every thousandth row's name and id), which
-- a rename can shift as surely as an insert can.
DROP TRIGGER companies_listing_update;
CREATE TRIGGER companies_listing_update AFTER UPDATE OF deleted_at, name ON companies
WHEN old.deleted_at IS NOT new.deleted_at OR old.name IS NOT new.name BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'companies';
END;

DROP TRIGGER catalog_items_listing_update;
CREATE TRIGGER catalog_items_listing_update AFTER UPDATE OF deleted_at, inactive, name ON catalog_items
WHEN old.deleted_at IS NOT new.deleted_at OR old.inactive IS NOT new.inactive
    OR old.name IS NOT new.name BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'catalog_items';
END;

DROP TRIGGER opportunities_listing_update;
CREATE TRIGGER opportunities_listing_update AFTER UPDATE OF deleted_at, closed_flag, name ON opportunities
WHEN old.deleted_at IS NOT new.deleted_at OR old.closed_flag IS NOT new.closed_flag
    OR old.name IS NOT new.name BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = 'opportunities';
END;
