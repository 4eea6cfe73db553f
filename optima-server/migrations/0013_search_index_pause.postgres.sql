-- PostgreSQL's pg_trgm index keeps up with bulk writes by itself: nothing to pause. The table
-- exists so that both backends answer the same queries.
CREATE TABLE search_index_paused (
    tbl TEXT PRIMARY KEY,
    since TEXT NOT NULL
);
