-- Bloat estimates for the largest tables and B-tree indexes of the connected database of at
-- least $1 bytes (200 of each at most), from statistics alone, no extension: the size a freshly
-- packed relation of reltuples rows would take, from pg_stats' average column widths and null
-- fractions, against the pages pg_class says it has. Written from the well-known idea, not
-- copied. It is an estimate: it needs ANALYZE'd tables, ignores per-column alignment and
-- internal B-tree pages, and is rough for very wide or TOASTed columns. A relation without
-- statistics for every column it stores (never analyzed, an expression index, or columns this
-- role may not read) comes back with estimable false, never with a guess.
WITH bs AS (
  SELECT pg_catalog.current_setting('block_size')::int8 AS bs
),
tables AS (
  SELECT c.oid, c.relnamespace, c.relname, c.relpages::int8 AS pages, c.reltuples::float8 AS tuples,
         COALESCE((SELECT pg_catalog.substring(o, 'fillfactor=(\d+)')::int
                     FROM pg_catalog.unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 100) AS fillfactor
    FROM pg_catalog.pg_class c, bs
   WHERE c.relkind IN ('r', 'm') AND c.relpages::int8 * bs.bs >= $1
   ORDER BY c.relpages DESC
   LIMIT 200
),
indexes AS (
  SELECT i.oid, i.relnamespace, i.relname, x.indrelid, x.indkey::int2[] AS keys,
         i.relpages::int8 AS pages, i.reltuples::float8 AS tuples,
         COALESCE((SELECT pg_catalog.substring(o, 'fillfactor=(\d+)')::int
                     FROM pg_catalog.unnest(i.reloptions) o WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor
    FROM pg_catalog.pg_index x
    JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
    JOIN pg_catalog.pg_am am ON am.oid = i.relam AND am.amname = 'btree', bs
   WHERE i.relpages::int8 * bs.bs >= $1
   ORDER BY i.relpages DESC
   LIMIT 200
),
table_est AS (
  SELECT 'table'::text AS kind, n.nspname AS schema, t.relname AS table_name, NULL::name AS index_name,
         t.pages, t.tuples, t.fillfactor, w.columns, w.with_stats, w.width, w.nulls,
         pg_catalog.has_table_privilege(t.oid, 'SELECT') AS readable,
         -- heap tuple: 23-byte header plus null bitmap, aligned; the data; a 4-byte line pointer
         (ceil((23 + CASE WHEN w.nulls THEN ceil(w.columns / 8.0) ELSE 0 END) / 8.0) * 8
          + ceil(w.width / 8.0) * 8 + 4) AS tuple_bytes,
         (bs.bs - 24) AS page_bytes, 0 AS extra_pages
    FROM tables t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN bs
    CROSS JOIN LATERAL (
      SELECT count(*) AS columns, count(s.attname) AS with_stats,
             COALESCE(sum((1 - s.null_frac) * s.avg_width), 0)::float8 AS width,
             COALESCE(bool_or(s.null_frac > 0), false) AS nulls
        FROM pg_catalog.pg_attribute a
        LEFT JOIN pg_catalog.pg_stats s
               ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname
              AND NOT s.inherited
       WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    ) w
),
index_est AS (
  SELECT 'index'::text, n.nspname, tc.relname, ix.relname,
         ix.pages, ix.tuples, ix.fillfactor, w.columns, w.with_stats, w.width, w.nulls,
         pg_catalog.has_table_privilege(ix.indrelid, 'SELECT'),
         -- index tuple: 8-byte header (heap pointer and info) plus null bitmap, the keys,
         -- aligned; a 4-byte line pointer
         (ceil((8 + CASE WHEN w.nulls THEN 4 ELSE 0 END + w.width) / 8.0) * 8 + 4),
         -- page header and B-tree special space
         (bs.bs - 24 - 16), 1
    FROM indexes ix
    JOIN pg_catalog.pg_class tc ON tc.oid = ix.indrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
    CROSS JOIN bs
    CROSS JOIN LATERAL (
      SELECT count(*) AS columns, count(s.attname) AS with_stats,
             COALESCE(sum((1 - s.null_frac) * s.avg_width), 0)::float8 AS width,
             COALESCE(bool_or(s.null_frac > 0), false) AS nulls
        FROM pg_catalog.unnest(ix.keys) k(attnum)
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
        LEFT JOIN pg_catalog.pg_stats s
               ON s.schemaname = n.nspname AND s.tablename = tc.relname AND s.attname = a.attname
              AND NOT s.inherited
    ) w
),
est AS (
  SELECT * FROM table_est UNION ALL SELECT * FROM index_est
)
SELECT e.kind, e.schema::text, e.table_name::text, e.index_name::text,
       e.pages * bs.bs AS bytes,
       CASE WHEN e.with_stats = e.columns AND e.columns > 0 AND e.tuples >= 0
            THEN ((ceil(e.tuples / greatest(floor(e.page_bytes * e.fillfactor / 100.0 / e.tuple_bytes), 1))
                   + e.extra_pages) * bs.bs)::float8 END AS expected_bytes,
       e.readable
  FROM est e CROSS JOIN bs
 ORDER BY e.pages DESC
