-- SQLite's catalog search index now keeps active and inactive items apart (see the SQLite text
-- of this migration). PostgreSQL's trigram index answers the same searches as before, its
-- planner combining it with the flags: nothing changes here.
SELECT 1;
