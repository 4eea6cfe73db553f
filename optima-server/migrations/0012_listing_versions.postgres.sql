-- Lists show how many rows match, and counting a large table costs a scan of it. A count of
-- live rows is therefore kept, with the version of its table it was counted at: this number
-- changes whenever a statement adds, removes, or changes a column that lists filter on, so a
-- count taken at the current version is still right, across processes. (Once per statement,
-- not per row: a sync's many-row upserts bump it once.)
CREATE TABLE listing_versions (
    table_name TEXT PRIMARY KEY,
    version    BIGINT NOT NULL
);
INSERT INTO listing_versions (table_name, version) VALUES
    ('companies', 0), ('catalog_items', 0), ('opportunities', 0);

CREATE FUNCTION bump_listing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listing_versions SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END;
$$;

CREATE TRIGGER companies_listing_version AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON companies
FOR EACH STATEMENT EXECUTE FUNCTION bump_listing_version();

CREATE TRIGGER catalog_items_listing_version AFTER INSERT OR DELETE OR UPDATE OF deleted_at, inactive ON catalog_items
FOR EACH STATEMENT EXECUTE FUNCTION bump_listing_version();

CREATE TRIGGER opportunities_listing_version AFTER INSERT OR DELETE OR UPDATE OF deleted_at, closed_flag ON opportunities
FOR EACH STATEMENT EXECUTE FUNCTION bump_listing_version();
