-- SQLite's catalog gains a second search index, keyed in name order (see the SQLite text of this
-- migration). PostgreSQL's trigram index is unchanged.
SELECT 1;
