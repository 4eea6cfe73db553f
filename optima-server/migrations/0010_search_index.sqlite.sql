-- Searches (`search_key LIKE '%term%'`) served by FTS5 trigram indexes instead of a scan: one
-- external-content table per searchable table, keyed by the table's rowid and kept current by
-- triggers. (A table without an INTEGER PRIMARY KEY may see its rowids renumbered by VACUUM:
-- after one, rebuild each index with `INSERT INTO <table>_fts(<table>_fts) VALUES('rebuild')`.)

CREATE VIRTUAL TABLE companies_fts USING fts5(
    search_key, content='companies', content_rowid='rowid', tokenize='trigram'
);
INSERT INTO companies_fts(companies_fts) VALUES ('rebuild');
CREATE TRIGGER companies_search_insert AFTER INSERT ON companies BEGIN
    INSERT INTO companies_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER companies_search_delete AFTER DELETE ON companies BEGIN
    INSERT INTO companies_fts(companies_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
END;
CREATE TRIGGER companies_search_update AFTER UPDATE OF search_key ON companies
WHEN old.search_key IS NOT new.search_key BEGIN
    INSERT INTO companies_fts(companies_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO companies_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE VIRTUAL TABLE catalog_items_fts USING fts5(
    search_key, content='catalog_items', content_rowid='rowid', tokenize='trigram'
);
INSERT INTO catalog_items_fts(catalog_items_fts) VALUES ('rebuild');
CREATE TRIGGER catalog_items_search_insert AFTER INSERT ON catalog_items BEGIN
    INSERT INTO catalog_items_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER catalog_items_search_delete AFTER DELETE ON catalog_items BEGIN
    INSERT INTO catalog_items_fts(catalog_items_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
END;
CREATE TRIGGER catalog_items_search_update AFTER UPDATE OF search_key ON catalog_items
WHEN old.search_key IS NOT new.search_key BEGIN
    INSERT INTO catalog_items_fts(catalog_items_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO catalog_items_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE VIRTUAL TABLE opportunities_fts USING fts5(
    search_key, content='opportunities', content_rowid='rowid', tokenize='trigram'
);
INSERT INTO opportunities_fts(opportunities_fts) VALUES ('rebuild');
CREATE TRIGGER opportunities_search_insert AFTER INSERT ON opportunities BEGIN
    INSERT INTO opportunities_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER opportunities_search_delete AFTER DELETE ON opportunities BEGIN
    INSERT INTO opportunities_fts(opportunities_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
END;
CREATE TRIGGER opportunities_search_update AFTER UPDATE OF search_key ON opportunities
WHEN old.search_key IS NOT new.search_key BEGIN
    INSERT INTO opportunities_fts(opportunities_fts, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO opportunities_fts(rowid, search_key) VALUES (new.rowid, new.search_key);
END;
