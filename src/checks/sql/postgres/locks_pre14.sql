-- PostgreSQL 13 and older (no pg_locks.waitstart): every session that waits for a lock, and every
-- session it waits for by pg_blocking_pids() (which scans the whole lock table per waiter: fine
-- for a few waiters, quadratic for a pile-up), with the lock it waits for and since when.
-- clock_timestamp(), not now(): a wait may have begun after this transaction did.
-- Relations are named bare in public, schema-qualified elsewhere.
WITH waiting AS (
  SELECT pid, pg_blocking_pids(pid) AS blocked_by
    FROM pg_stat_activity
   WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock'
), involved AS (
  SELECT pid FROM waiting
  UNION
  SELECT unnest(blocked_by) FROM waiting
)
SELECT a.pid::int8 AS pid,
       coalesce(w.blocked_by, '{}')::int8[] AS blocked_by,
       coalesce(a.usename, '') AS usename,
       coalesce(a.datname, '') AS database,
       coalesce(a.application_name, '') AS application,
       coalesce(host(a.client_addr), 'local socket') AS client,
       coalesce(a.state, '') AS state,
       coalesce(a.query, '') AS query,
       a.backend_type::text AS backend_type,
       'pg:' || a.pid || '@' || to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
         || coalesce('/' || to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '') AS session_ref,
       CASE WHEN w.pid IS NOT NULL THEN
         extract(epoch FROM clock_timestamp() - coalesce((to_jsonb(l) ->> 'waitstart')::timestamptz, a.state_change))::float8
       END AS waiting_seconds,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_seconds,
       CASE WHEN l.mode IS NOT NULL THEN
         l.mode || ' on ' || coalesce(CASE WHEN rn.nspname = 'public' THEN quote_ident(rc.relname)
                                           ELSE quote_ident(rn.nspname) || '.' || quote_ident(rc.relname) END,
                                      l.locktype)
       END AS lock
  FROM involved i
  JOIN pg_stat_activity a ON a.pid = i.pid
  LEFT JOIN waiting w ON w.pid = a.pid
  LEFT JOIN LATERAL (SELECT * FROM pg_locks pl WHERE pl.pid = a.pid AND NOT pl.granted LIMIT 1) l ON true
  LEFT JOIN pg_class rc ON rc.oid = l.relation
  LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
 WHERE cardinality(coalesce(w.blocked_by, '{}')) > 0 OR w.pid IS NULL
