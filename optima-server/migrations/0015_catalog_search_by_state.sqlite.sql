-- Catalog searches count their matches from the FTS5 index alone. The catalog's index keeps each
-- live item's search key in one of two columns, by whether the item is active, and a deleted
-- item in neither; a search of active items then asks one column (`active_key : "term"`) and a
-- search of all live items asks both, with no lookup of the item to check its flags. A phrase
-- query (`MATCH`) is answered from the trigrams' positions, where a `LIKE` through the index
-- re-reads every candidate's text: at a million items, counting 25,000 matches takes about
-- 6 ms instead of about 100.
--
-- The index's content is a view over the table; the triggers index what the view shows.
--
-- The trigram tokenizer is case-sensitive: keys and terms are lower-cased before they get here,
-- and its own Unicode case folding would make a phrase find what `LIKE` does not (the micro
-- sign and Greek mu, final and medial sigma). The companies' and opportunities' indexes are
-- recreated the same way, as they are now asked with phrase queries too.
DROP TRIGGER catalog_items_search_insert;
DROP TRIGGER catalog_items_search_delete;
DROP TRIGGER catalog_items_search_update;
DROP TABLE catalog_items_fts;

CREATE VIEW catalog_items_search AS
SELECT rowid AS item_rowid,
       CASE WHEN deleted_at IS NULL AND inactive = 0 THEN search_key END AS active_key,
       CASE WHEN deleted_at IS NULL AND inactive <> 0 THEN search_key END AS inactive_key
FROM catalog_items;

CREATE VIRTUAL TABLE catalog_items_fts USING fts5(
    active_key, inactive_key,
    content='catalog_items_search', content_rowid='item_rowid',
    tokenize='trigram case_sensitive 1'
);
INSERT INTO catalog_items_fts(catalog_items_fts) VALUES ('rebuild');

CREATE TRIGGER catalog_items_search_insert AFTER INSERT ON catalog_items
WHEN NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl = 'catalog_items') BEGIN
    INSERT INTO catalog_items_fts(rowid, active_key, inactive_key) VALUES (
        new.rowid,
        CASE WHEN new.deleted_at IS NULL AND new.inactive = 0 THEN new.search_key END,
        CASE WHEN new.deleted_at IS NULL AND new.inactive <> 0 THEN new.search_key END);
END;
CREATE TRIGGER catalog_items_search_delete AFTER DELETE ON catalog_items
WHEN NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl = 'catalog_items') BEGIN
    INSERT INTO catalog_items_fts(catalog_items_fts, rowid, active_key, inactive_key) VALUES (
        'delete', old.rowid,
        CASE WHEN old.deleted_at IS NULL AND old.inactive = 0 THEN old.search_key END,
        CASE WHEN old.deleted_at IS NULL AND old.inactive <> 0 THEN old.search_key END);
END;
CREATE TRIGGER catalog_items_search_update AFTER UPDATE OF search_key, inactive, deleted_at ON catalog_items
WHEN (old.search_key IS NOT new.search_key OR old.inactive IS NOT new.inactive
        OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL))
    AND NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl = 'catalog_items') BEGIN
    INSERT INTO catalog_items_fts(catalog_items_fts, rowid, active_key, inactive_key) VALUES (
        'delete', old.rowid,
        CASE WHEN old.deleted_at IS NULL AND old.inactive = 0 THEN old.search_key END,
        CASE WHEN old.deleted_at IS NULL AND old.inactive <> 0 THEN old.search_key END);
    INSERT INTO catalog_items_fts(rowid, active_key, inactive_key) VALUES (
        new.rowid,
        CASE WHEN new.deleted_at IS NULL AND new.inactive = 0 THEN new.search_key END,
        CASE WHEN new.deleted_at IS NULL AND new.inactive <> 0 THEN new.search_key END);
END;

-- Their triggers (migration 10) name the index only when they run: they stay as they are.
DROP TABLE companies_fts;
CREATE VIRTUAL TABLE companies_fts USING fts5(
    search_key, content='companies', content_rowid='rowid', tokenize='trigram case_sensitive 1'
);
INSERT INTO companies_fts(companies_fts) VALUES ('rebuild');

DROP TABLE opportunities_fts;
CREATE VIRTUAL TABLE opportunities_fts USING fts5(
    search_key, content='opportunities', content_rowid='rowid', tokenize='trigram case_sensitive 1'
);
INSERT INTO opportunities_fts(opportunities_fts) VALUES ('rebuild');
