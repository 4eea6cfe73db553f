-- A table's listing version now also moves when a row is renamed: lists are in name order, and
-- a page reached by number starts from kept anchors (every thousandth row's name and id), which
-- a rename can shift as surely as an insert can.
DROP TRIGGER companies_listing_version ON companies;
CREATE TRIGGER companies_listing_version AFTER INSERT OR DELETE OR UPDATE OF deleted_at, name ON companies
FOR EACH STATEMENT EXECUTE FUNCTION bump_listing_version();

DROP TRIGGER catalog_items_listing_version ON catalog_items;
CREATE TRIGGER catalog_items_listing_version AFTER INSERT OR DELETE OR UPDATE OF deleted_at, inactive, name ON catalog_items
FOR EACH STATEMENT EXECUTE FUNCTION bump_listing_version();

DROP TRIGGER opportunities_listing_version ON opportunities;
CREATE TRIGGER opportunities_listing_version AFTER INSERT OR DELETE OR UPDATE OF deleted_at, closed_flag, name ON opportunities
FOR EACH STATEMENT EXECUTE FUNCTION bump_listing_version();
