-- Searches (`search_key LIKE '%term%'`) served by trigram indexes instead of a scan. pg_trgm is a
-- trusted extension (PostgreSQL 13+): a database owner may create it. It goes in `public`, and
-- its operator class is named there, so databases whose tables live in other schemas (one per
-- deployment, or per test) share it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX companies_search_trgm ON companies USING gin (search_key public.gin_trgm_ops);
CREATE INDEX catalog_items_search_trgm ON catalog_items USING gin (search_key public.gin_trgm_ops);
CREATE INDEX opportunities_search_trgm ON opportunities USING gin (search_key public.gin_trgm_ops);
