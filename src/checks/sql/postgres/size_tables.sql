-- The largest tables of the connected database, heap, indexes and TOAST apart ($1 of them).
-- Bounded for catalogs of any size: candidates are ranked by the page counts pg_class keeps
-- (as of the last VACUUM or ANALYZE), and only those few are measured on disk.
-- Index pages are summed per table in one pass (a hash join), not looked up table by table.
WITH index_pages AS (
  SELECT x.indrelid, sum(i.relpages)::int8 AS pages
    FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
   GROUP BY x.indrelid
),
candidates AS (
  SELECT c.oid, c.relnamespace, c.relname, c.reltoastrelid, c.reltuples
    FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
    LEFT JOIN index_pages ip ON ip.indrelid = c.oid
   WHERE c.relkind IN ('r', 'm')
   ORDER BY c.relpages::int8 + COALESCE(t.relpages, 0)::int8 + COALESCE(ip.pages, 0) DESC
   LIMIT greatest($1 * 4, 40)
)
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       pg_catalog.pg_total_relation_size(c.oid)::int8 AS total_bytes,
       pg_catalog.pg_relation_size(c.oid)::int8 AS heap_bytes,
       pg_catalog.pg_indexes_size(c.oid)::int8 AS index_bytes,
       COALESCE(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0)::int8 AS toast_bytes,
       c.reltuples::int8 AS est_rows
  FROM candidates c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 ORDER BY 3 DESC, 1, 2
 LIMIT $1
