-- dbrunbook:slow (the tool leaves out its own statements by this line)
-- The tables of the connected database (pg_stat_user_tables is per database) read by
-- sequential scans the most, by rows read: with --interval, the change between the snapshots
-- says which are scanned now. The evidence for an index a hot statement lacks.
SELECT schemaname::text AS schema,
       relname::text AS "table",
       seq_scan::float8 AS seq_scan,
       seq_tup_read::float8 AS seq_tup_read,
       n_live_tup::float8 AS live_rows
  FROM pg_catalog.pg_stat_user_tables
 WHERE seq_scan > 0
 ORDER BY seq_tup_read DESC
 LIMIT 200
