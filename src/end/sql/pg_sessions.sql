-- Every session of the server, as `dbrunbook end` judges it: its reference (pid, backend_start
-- and, inside a transaction, xact_start, in UTC to the microsecond), what it is (backend_type,
-- application), what it does, and, when it waits on a lock, whom it waits for
-- (pg_blocking_pids only for those: it scans the lock table once per call).
SELECT pid::int8 AS pid,
       'pg:' || pid || '@' || to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
         || coalesce('/' || to_char(xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '')
         AS session_ref,
       coalesce(usename, '') AS usename,
       coalesce(datname, '') AS database,
       coalesce(application_name, '') AS application,
       coalesce(host(client_addr), 'local socket') AS client,
       coalesce(state, '') AS state,
       coalesce(query, '') AS query,
       extract(epoch FROM clock_timestamp() - query_start)::float8 AS query_seconds,
       extract(epoch FROM clock_timestamp() - xact_start)::float8 AS xact_seconds,
       extract(epoch FROM clock_timestamp() - state_change)::float8 AS state_seconds,
       CASE WHEN wait_event IS NOT NULL THEN wait_event_type || ':' || wait_event END AS wait,
       backend_type::text AS backend_type,
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid)::int8[] END AS blocked_by,
       (pid = pg_backend_pid())::int AS own
  FROM pg_stat_activity
