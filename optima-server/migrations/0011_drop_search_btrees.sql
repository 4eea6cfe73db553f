-- Searches are answered by the trigram indexes of migration 10; these btree indexes, which only
-- narrowed a full scan, cost every synced write and are no longer read.
DROP INDEX catalog_items_search;
DROP INDEX opportunities_search;
