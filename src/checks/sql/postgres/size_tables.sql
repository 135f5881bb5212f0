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
  SELECT c.oid, c.relnamespace, c.relname, c.reltoastrelid, c.reltuples, c.relpages
    FROM pg_catalog.pg_class c
   WHERE c.oid IN (SELECT oid FROM by_heap UNION SELECT oid FROM by_index)
     AND c.relkind IN ('r', 'm')
),
-- A relation under an AccessExclusiveLock, held or queued (an ALTER TABLE behind a long
-- transaction): pg_relation_size() and friends would queue behind it for its AccessShareLock,
-- so its size is pg_class's page count instead, and the row says who holds the lock. pg_locks
-- and pg_class are read without locking the table.
locked AS (
  SELECT l.relation AS oid, min(l.pid)::int8 AS pid
    FROM pg_catalog.pg_locks l
   WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
     AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
   GROUP BY 1
),
estimated AS (
  SELECT c.oid,
         c.relpages::int8 * pg_catalog.current_setting('block_size')::int8 AS heap_bytes,
         COALESCE((SELECT sum(i.relpages)::int8 FROM pg_catalog.pg_index x
                     JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = c.oid), 0) * pg_catalog.current_setting('block_size')::int8 AS index_bytes,
         COALESCE((SELECT t.relpages::int8 FROM pg_catalog.pg_class t WHERE t.oid = c.reltoastrelid), 0)
           * pg_catalog.current_setting('block_size')::int8 AS toast_bytes
    FROM candidates c
)
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       CASE WHEN k.pid IS NULL THEN pg_catalog.pg_total_relation_size(c.oid)
            ELSE e.heap_bytes + e.index_bytes + e.toast_bytes END::int8 AS total_bytes,
       CASE WHEN k.pid IS NULL THEN pg_catalog.pg_relation_size(c.oid) ELSE e.heap_bytes END::int8 AS heap_bytes,
       CASE WHEN k.pid IS NULL THEN pg_catalog.pg_indexes_size(c.oid) ELSE e.index_bytes END::int8 AS index_bytes,
       CASE WHEN k.pid IS NULL THEN COALESCE(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0)
            ELSE e.toast_bytes END::int8 AS toast_bytes,
       c.reltuples::int8 AS est_rows,
       k.pid AS locked_by
  FROM candidates c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN estimated e ON e.oid = c.oid
  LEFT JOIN locked k ON k.oid = c.oid
 ORDER BY 3 DESC, 1, 2
 LIMIT $1
