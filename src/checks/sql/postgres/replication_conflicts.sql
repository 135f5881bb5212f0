-- On a replica: queries cancelled by replay since the statistics were reset (the price of
-- max_standby_streaming_delay), and the longest-running query now, which replay may be
-- waiting for. The tool's own session is left out.
SELECT (SELECT pg_catalog.sum(c.confl_tablespace + c.confl_lock + c.confl_snapshot
                              + c.confl_bufferpin + c.confl_deadlock)::int8
          FROM pg_catalog.pg_stat_database_conflicts c) AS conflicts,
       q.pid::int8 AS query_pid,
       q.usename::text AS query_user,
       extract(epoch FROM pg_catalog.clock_timestamp() - q.query_start)::float8 AS query_age,
       pg_catalog.left(q.query, 200) AS query
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (
    SELECT a.pid, a.usename, a.query_start, a.query
      FROM pg_catalog.pg_stat_activity a
     WHERE a.backend_type = 'client backend' AND a.state = 'active'
       AND a.pid <> pg_catalog.pg_backend_pid()
     ORDER BY a.query_start
     LIMIT 1
  ) q ON true
