-- PostgreSQL's catalog searches get a narrow copy of the catalog in name order (see the
-- PostgreSQL text of this migration). SQLite's name-ordered FTS5 index (migration 16) already
-- serves that purpose: nothing changes here.
SELECT 1;
