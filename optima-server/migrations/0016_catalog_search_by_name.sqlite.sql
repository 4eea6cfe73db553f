-- A second FTS5 index of the catalog, keyed in name order, so that the first page of a search
-- with thousands of matches is read from the front of the index instead of sorting every match:
-- at a million items, the 25,000 matches of a product line took about 80 ms to order by name.
--
-- Its key is (name bucket << 40) | rowid. The buckets split the catalog's names into runs of
-- about 256 rows (`SearchTuning`): `catalog_items_name_buckets` holds the first name of
-- each, and an item's bucket is that of the greatest first name not after its own name (0
-- before the first). A page of
-- matches is then the matches of a few buckets, sorted by name. The buckets are chosen again
-- only when the index is rebuilt (after a bulk sync, in the same transaction as the rebuild), so an item's key
-- stays what it was when it was indexed; between rebuilds new names fall into the buckets there
-- are, which only makes those buckets longer.
--
-- The index keyed by rowid (migration 15) stays: it counts matches, and finds the few matches
-- of an identifier, whose trigrams sit together in sync order and are scattered in name order.
CREATE TABLE catalog_items_name_buckets (
    bucket INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL UNIQUE
);

CREATE VIEW catalog_items_search_by_name AS
SELECT (coalesce((SELECT b.bucket FROM catalog_items_name_buckets b WHERE b.first_name <= c.name
                  ORDER BY b.first_name DESC LIMIT 1), 0) << 40) | c.rowid AS name_key,
       CASE WHEN c.deleted_at IS NULL AND c.inactive = 0 THEN c.search_key END AS active_key,
       CASE WHEN c.deleted_at IS NULL AND c.inactive <> 0 THEN c.search_key END AS inactive_key
FROM catalog_items c
-- FTS5 rebuilds from this view in the order it reads it, and starts a new segment whenever a
-- key is lower than the one before: read in key order, a rebuild writes a few large segments.
ORDER BY name_key;

CREATE VIRTUAL TABLE catalog_items_by_name_fts USING fts5(
    active_key, inactive_key,
    content='catalog_items_search_by_name', content_rowid='name_key',
    tokenize='trigram case_sensitive 1'
);

CREATE TRIGGER catalog_items_by_name_insert AFTER INSERT ON catalog_items
WHEN NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl IN ('catalog_items', 'catalog_items_by_name')) BEGIN
    INSERT INTO catalog_items_by_name_fts(rowid, active_key, inactive_key) VALUES (
        (coalesce((SELECT b.bucket FROM catalog_items_name_buckets b WHERE b.first_name <= new.name
                   ORDER BY b.first_name DESC LIMIT 1), 0) << 40) | new.rowid,
        CASE WHEN new.deleted_at IS NULL AND new.inactive = 0 THEN new.search_key END,
        CASE WHEN new.deleted_at IS NULL AND new.inactive <> 0 THEN new.search_key END);
END;
CREATE TRIGGER catalog_items_by_name_delete AFTER DELETE ON catalog_items
WHEN NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl IN ('catalog_items', 'catalog_items_by_name')) BEGIN
    INSERT INTO catalog_items_by_name_fts(catalog_items_by_name_fts, rowid, active_key, inactive_key) VALUES (
        'delete',
        (coalesce((SELECT b.bucket FROM catalog_items_name_buckets b WHERE b.first_name <= old.name
                   ORDER BY b.first_name DESC LIMIT 1), 0) << 40) | old.rowid,
        CASE WHEN old.deleted_at IS NULL AND old.inactive = 0 THEN old.search_key END,
        CASE WHEN old.deleted_at IS NULL AND old.inactive <> 0 THEN old.search_key END);
END;
CREATE TRIGGER catalog_items_by_name_update AFTER UPDATE OF name, search_key, inactive, deleted_at ON catalog_items
WHEN (old.name IS NOT new.name OR old.search_key IS NOT new.search_key
        OR old.inactive IS NOT new.inactive OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL))
    AND NOT EXISTS (SELECT 1 FROM search_index_paused WHERE tbl IN ('catalog_items', 'catalog_items_by_name')) BEGIN
    INSERT INTO catalog_items_by_name_fts(catalog_items_by_name_fts, rowid, active_key, inactive_key) VALUES (
        'delete',
        (coalesce((SELECT b.bucket FROM catalog_items_name_buckets b WHERE b.first_name <= old.name
                   ORDER BY b.first_name DESC LIMIT 1), 0) << 40) | old.rowid,
        CASE WHEN old.deleted_at IS NULL AND old.inactive = 0 THEN old.search_key END,
        CASE WHEN old.deleted_at IS NULL AND old.inactive <> 0 THEN old.search_key END);
    INSERT INTO catalog_items_by_name_fts(rowid, active_key, inactive_key) VALUES (
        (coalesce((SELECT b.bucket FROM catalog_items_name_buckets b WHERE b.first_name <= new.name
                   ORDER BY b.first_name DESC LIMIT 1), 0) << 40) | new.rowid,
        CASE WHEN new.deleted_at IS NULL AND new.inactive = 0 THEN new.search_key END,
        CASE WHEN new.deleted_at IS NULL AND new.inactive <> 0 THEN new.search_key END);
END;

-- A catalog already synced gets its buckets and this index from the rebuild at the next start
-- (the one that repairs an index a crash left paused); until then its searches sort their
-- matches by name, as before. The index's triggers stand aside while either of the catalog's
-- indexes is paused: a bulk sync pauses both, and this one is rebuilt after the other.
INSERT INTO search_index_paused (tbl, since)
SELECT 'catalog_items_by_name', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE EXISTS (SELECT 1 FROM catalog_items)
ON CONFLICT (tbl) DO NOTHING;
