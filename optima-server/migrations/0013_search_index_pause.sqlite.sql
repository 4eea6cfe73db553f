-- A full sync that changes much of the catalog writes it with the catalog's search index
-- paused, then rebuilds the index in one pass: FTS5 indexes 100k rows about eight times faster
-- in one 'rebuild' than row by row through the triggers. A row of `search_index_paused` names a
-- table whose triggers stand aside meanwhile; the rebuild and the removal of that row are one
-- transaction, and a start after a crash rebuilds any index still paused.

CREATE TABLE search_index_paused (
    tbl TEXT PRIMARY KEY,
    since TEXT NOT NULL
);

DROP TRIGGER catalog_items_search_insert;
DROP TRIGGER catalog_items_search_delete;
DROP TRIGGER catalog_items_search_update;

CREATE TRIGGER catalog_items_search_insert AFTER INSERT ON catalog_items
WHEN NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl = 'catalog_items') BEGIN
    INSERT INTO catalog_items_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER catalog_items_search_delete AFTER DELETE ON catalog_items
WHEN NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl = 'catalog_items') BEGIN
    INSERT INTO catalog_items_fts(catalog_items_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
END;
CREATE TRIGGER catalog_items_search_update AFTER UPDATE OF search_key ON catalog_items
WHEN old.search_key IS NOT new.search_key
    AND NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl = 'catalog_items') BEGIN
    INSERT INTO catalog_items_fts(catalog_items_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO catalog_items_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;
