-- Client sessions with a statement running, a transaction open, or idle in a transaction for
-- at least $1 seconds ($2 for idle in transaction). Background workers and the tool's own
-- session are left out. session_ref is what `dbrunbook end` takes (src/checks/session_ref.rs). Ages in seconds; NULL where not applicable or not visible.
-- Sessions are read from pg_stat_get_activity(NULL), the function under the pg_stat_activity view
-- (same rows, same privilege rules), with names looked up only where shown: planning the view's
-- joins cost a fresh backend 0.1-0.5 ms per statement (bench/vs_check_postgres.sh).
SELECT pid::int8 AS pid,
       'pg:' || pid || '@' || to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
         || coalesce('/' || to_char(xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '') AS session_ref,
       coalesce(pg_catalog.pg_get_userbyid(usesysid)::text, '') AS usename,
       coalesce((SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = datid), '') AS database,
       coalesce(application_name, '') AS application,
       coalesce(host(client_addr), 'local socket') AS client,
       coalesce(state, '') AS state,
       coalesce(query, '') AS query,
       extract(epoch FROM now() - query_start)::float8 AS query_seconds,
       extract(epoch FROM now() - xact_start)::float8 AS xact_seconds,
       extract(epoch FROM now() - state_change)::float8 AS state_seconds,
       CASE WHEN wait_event IS NOT NULL THEN wait_event_type || ':' || wait_event END AS wait,
       age(backend_xmin)::int8 AS xmin_age,
       (SELECT r.rolsuper OR r.rolreplication FROM pg_roles r WHERE r.oid = usesysid) AS privileged_role
  FROM pg_catalog.pg_stat_get_activity(NULL)
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND ((state = 'active' AND query_start <= now() - make_interval(secs => $1))
        OR xact_start <= now() - make_interval(secs => $1)
        OR (state LIKE 'idle in transaction%' AND state_change <= now() - make_interval(secs => $2)))
