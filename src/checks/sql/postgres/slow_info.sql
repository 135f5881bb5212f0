-- dbrunbook:slow (the tool leaves out its own statements by this line)
-- When the statistics were last reset, and how many entries were evicted since (version 1.9,
-- PostgreSQL 14, on) and how long ago; to the microsecond, so that a reset a moment after another is seen.
-- {schema} is the extension's schema, quoted.
SELECT pg_catalog.to_char(i.stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS stats_reset,
       i.dealloc AS dealloc,
       -- The window the totals cover, for each statement's share of the time.
       extract(epoch FROM now() - i.stats_reset)::float8 AS window_seconds
  FROM {schema}.pg_stat_statements_info i
