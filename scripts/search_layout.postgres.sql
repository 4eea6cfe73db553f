-- How the physical order of the rows a search re-checks decides what a catalog search costs on
-- PostgreSQL (issue 16). Run it in the schema the catalog benchmark left (it keeps its schema,
-- t_<id>, in the database it was given):
--
--   psql "postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Dt_<id>" \
--     -f scripts/search_layout.postgres.sql
--
-- Compares Optima's layout (pg_trgm on catalog_items itself) with a narrow copy of the live,
-- active items' (name, id, search_key) in sync order, and the same copy in name order. Drops the
-- copies at the end. Run it twice: the first run reads from disk.
\timing on
SHOW shared_buffers;

\echo 'Optima: catalog_items'
SELECT COUNT(*) FROM catalog_items
    WHERE deleted_at IS NULL AND inactive = 0 AND search_key LIKE '%latitude%';
SELECT id FROM catalog_items
    WHERE deleted_at IS NULL AND inactive = 0 AND search_key LIKE '%latitude%'
    ORDER BY name, id LIMIT 51 \g /dev/null
SELECT COUNT(*) FROM catalog_items
    WHERE deleted_at IS NULL AND inactive = 0 AND search_key LIKE '%ing-0077777%';

CREATE TABLE layout_sync_order AS
    SELECT name, id, search_key FROM catalog_items
    WHERE deleted_at IS NULL AND inactive = 0 ORDER BY cw_id;
CREATE TABLE layout_name_order AS
    SELECT name, id, search_key FROM catalog_items
    WHERE deleted_at IS NULL AND inactive = 0 ORDER BY name, id;
CREATE INDEX layout_sync_order_trgm ON layout_sync_order USING gin (search_key public.gin_trgm_ops);
CREATE INDEX layout_name_order_trgm ON layout_name_order USING gin (search_key public.gin_trgm_ops);
VACUUM ANALYZE layout_sync_order;
VACUUM ANALYZE layout_name_order;

\echo 'narrow copy, sync order'
SELECT COUNT(*) FROM layout_sync_order WHERE search_key LIKE '%latitude%';
SELECT id FROM layout_sync_order WHERE search_key LIKE '%latitude%'
    ORDER BY name, id LIMIT 51 \g /dev/null
SELECT COUNT(*) FROM layout_sync_order WHERE search_key LIKE '%ing-0077777%';

\echo 'narrow copy, name order'
SELECT COUNT(*) FROM layout_name_order WHERE search_key LIKE '%latitude%';
SELECT id FROM layout_name_order WHERE search_key LIKE '%latitude%'
    ORDER BY name, id LIMIT 51 \g /dev/null
SELECT COUNT(*) FROM layout_name_order WHERE search_key LIKE '%ing-0077777%';
SELECT COUNT(*) FROM layout_name_order WHERE search_key LIKE '%544%';

DROP TABLE layout_sync_order;
DROP TABLE layout_name_order;
