-- On a replica: queries cancelled by replay since the statistics were reset (the price of
-- max_standby_streaming_delay), and the longest-running query now, which replay may be
-- waiting for. The tool's own session is left out. The views pg_stat_database_conflicts and
-- pg_stat_activity are read through the functions under them (same rows, same privilege
-- rules): a new backend parses and plans the views' joins and columns.
SELECT (SELECT pg_catalog.sum(pg_catalog.pg_stat_get_db_conflict_tablespace(d.oid)
                              + pg_catalog.pg_stat_get_db_conflict_lock(d.oid)
                              + pg_catalog.pg_stat_get_db_conflict_snapshot(d.oid)
                              + pg_catalog.pg_stat_get_db_conflict_bufferpin(d.oid)
                              + pg_catalog.pg_stat_get_db_conflict_startup_deadlock(d.oid))::int8
          FROM pg_catalog.pg_database d) AS conflicts,
       q.pid::int8 AS query_pid,
       pg_catalog.pg_get_userbyid(q.usesysid)::text AS query_user,
       extract(epoch FROM pg_catalog.clock_timestamp() - q.query_start)::float8 AS query_age,
       pg_catalog.left(q.query, 200) AS query
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (
    SELECT a.pid, a.usesysid, a.query_start, a.query
      FROM pg_catalog.pg_stat_get_activity(NULL) a
     WHERE a.backend_type = 'client backend' AND a.state = 'active'
       AND a.pid <> pg_catalog.pg_backend_pid()
     ORDER BY a.query_start
     LIMIT 1
  ) q ON true
