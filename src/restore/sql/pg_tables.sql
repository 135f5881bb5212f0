-- Every ordinary table (partitions included, partitioned parents not: their rows are their
-- partitions'), with the planner's row estimate (-1: never analysed) and its size on disk.
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       c.reltuples::int8 AS estimate,
       pg_catalog.pg_table_size(c.oid)::int8 AS bytes
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname <> 'information_schema'
  AND n.nspname !~ '^pg_'
ORDER BY 1, 2
