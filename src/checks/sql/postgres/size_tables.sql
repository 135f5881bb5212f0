-- The largest tables of the connected database, heap, indexes and TOAST apart ($1 of them).
-- Bounded for catalogs of any size: candidates are ranked by the page counts pg_class keeps
-- (as of the last VACUUM or ANALYZE), and only those few are measured on disk. Two rankings,
-- each a top-N sort of one pg_class scan: tables by heap and TOAST pages, and the tables of the
-- largest indexes (summing every index per table took seconds on 100,000 tables; see
-- bench/size_catalog.sh).
WITH by_heap AS (
  SELECT c.oid
    FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
   WHERE c.relkind IN ('r', 'm')
   ORDER BY c.relpages::int8 + COALESCE(t.relpages, 0)::int8 DESC
   LIMIT greatest($1 * 4, 40)
),
by_index AS (
  SELECT x.indrelid AS oid
    FROM pg_catalog.pg_class i
    JOIN pg_catalog.pg_index x ON x.indexrelid = i.oid
   WHERE i.relkind = 'i'
   ORDER BY i.relpages DESC
   LIMIT greatest($1 * 4, 40)
),
candidates AS (
  SELECT c.oid, c.relnamespace, c.relname, c.reltoastrelid, c.reltuples
    FROM pg_catalog.pg_class c
   WHERE c.oid IN (SELECT oid FROM by_heap UNION SELECT oid FROM by_index)
     AND c.relkind IN ('r', 'm')
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
