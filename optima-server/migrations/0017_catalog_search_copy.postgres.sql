-- A narrow copy of what a catalog search reads (id, name, the flags lists filter on, the search
-- key), written in name order, with its own trigram index. pg_trgm re-checks every candidate
-- row on the heap: for the 25,000 matches of a product line at a million items, that is about
-- 30,000 blocks of the wide catalog table, scattered in sync order. In the copy a product
-- line's rows sit together in a few hundred blocks, and its searches count and sort them there.
--
-- Rows written after the copy's last rebuild land at its end, out of name order: they cost the
-- searches that find them a few more blocks, until the next bulk sync rebuilds it. A bulk sync
-- pauses it (`search_index_paused`, as SQLite's name-ordered index) and rebuilds it in name order
-- afterwards; meanwhile searches read the catalog table itself, whose trigram index stays.
CREATE TABLE catalog_items_by_name (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    inactive   BIGINT NOT NULL,
    deleted_at TEXT,
    search_key TEXT NOT NULL
);
CREATE INDEX catalog_items_by_name_trgm ON catalog_items_by_name
    USING gin (search_key public.gin_trgm_ops);

-- Kept current a statement at a time (a sync writes its rows in statements of many), from the
-- statement's transition tables; nothing while a pause stands.
CREATE FUNCTION catalog_items_by_name_paused() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM search_index_paused
                   WHERE tbl IN ('catalog_items', 'catalog_items_by_name'))
$$;

CREATE FUNCTION catalog_items_by_name_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT catalog_items_by_name_paused() THEN
        INSERT INTO catalog_items_by_name (id, name, inactive, deleted_at, search_key)
        SELECT id, name, inactive, deleted_at, search_key FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION catalog_items_by_name_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT catalog_items_by_name_paused() THEN
        UPDATE catalog_items_by_name c
        SET name = n.name, inactive = n.inactive, deleted_at = n.deleted_at,
            search_key = n.search_key
        FROM new_rows n
        WHERE c.id = n.id
          AND (c.name, c.inactive, c.deleted_at, c.search_key)
              IS DISTINCT FROM (n.name, n.inactive, n.deleted_at, n.search_key);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION catalog_items_by_name_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT catalog_items_by_name_paused() THEN
        DELETE FROM catalog_items_by_name c USING old_rows o WHERE c.id = o.id;
    END IF;
    RETURN NULL;
END;
$$;

-- A trigger with transition tables takes one event and no column list.
CREATE TRIGGER catalog_items_by_name_insert AFTER INSERT ON catalog_items
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_items_by_name_insert();
CREATE TRIGGER catalog_items_by_name_update AFTER UPDATE ON catalog_items
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_items_by_name_update();
CREATE TRIGGER catalog_items_by_name_delete AFTER DELETE ON catalog_items
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_items_by_name_delete();

-- Filled in name order by the rebuild at the next start (`repair_search_indexes`), not here:
-- one rebuild, with the same statements as after a sync.
INSERT INTO search_index_paused (tbl, since)
SELECT 'catalog_items_by_name', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
WHERE EXISTS (SELECT 1 FROM catalog_items)
ON CONFLICT (tbl) DO NOTHING;
