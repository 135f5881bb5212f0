-- Every session that waits for a lock, the sessions it waits for, and the lock and since when
-- (PostgreSQL 14+). The lock table is read once: a waiter is blocked by the sessions holding a
-- conflicting lock on the same object, or, when none holds one, by those queued ahead of it
-- (earlier waitstart) for a conflicting mode, as pg_blocking_pids() says, without its per-waiter
-- scan of the whole lock table, which is quadratic in a pile-up of a thousand waiters.
-- clock_timestamp(), not now(): a wait may have begun after this transaction did. Relations are
-- named as a default search_path shows them: bare in public, schema-qualified elsewhere (this
-- session's own search_path is pg_catalog).
-- A prepared transaction holds locks with no session (pid NULL): it stands in the tree as the
-- negative of its transaction ID, so it can be named as the root it is.
WITH prepared AS MATERIALIZED (
  SELECT l.virtualtransaction, px.transaction::text::int8 AS xid, px.gid, px.owner::text AS owner,
         px.database::text AS database, px.prepared
    FROM pg_locks l
    JOIN pg_prepared_xacts px ON l.locktype = 'transactionid' AND l.transactionid = px.transaction
   WHERE l.pid IS NULL
), locks AS MATERIALIZED (
  SELECT coalesce(l.pid, -p.xid) AS pid, l.mode, l.granted, l.waitstart, l.locktype, l.relation,
         row(l.locktype, l.database, l.relation, l.page, l.tuple, l.virtualxid, l.transactionid, l.classid,
             l.objid, l.objsubid)::text AS target
    FROM pg_locks l
    LEFT JOIN prepared p ON l.pid IS NULL AND p.virtualtransaction = l.virtualtransaction
   WHERE coalesce(l.pid, -p.xid) IS NOT NULL AND l.pid IS DISTINCT FROM pg_backend_pid()
), conflicts (mode, blocked_by_modes) AS (VALUES
  ('AccessShareLock', '{AccessExclusiveLock}'::text[]),
  ('RowShareLock', '{ExclusiveLock,AccessExclusiveLock}'),
  ('RowExclusiveLock', '{ShareLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}'),
  ('ShareUpdateExclusiveLock', '{ShareUpdateExclusiveLock,ShareLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}'),
  ('ShareLock', '{RowExclusiveLock,ShareUpdateExclusiveLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}'),
  ('ShareRowExclusiveLock', '{RowExclusiveLock,ShareUpdateExclusiveLock,ShareLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}'),
  ('ExclusiveLock', '{RowShareLock,RowExclusiveLock,ShareUpdateExclusiveLock,ShareLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}'),
  ('AccessExclusiveLock', '{AccessShareLock,RowShareLock,RowExclusiveLock,ShareUpdateExclusiveLock,ShareLock,ShareRowExclusiveLock,ExclusiveLock,AccessExclusiveLock}')
), waits AS MATERIALIZED (
  SELECT DISTINCT ON (l.pid) l.*, c.blocked_by_modes
    FROM locks l JOIN conflicts c ON c.mode = l.mode
   WHERE NOT l.granted
   ORDER BY l.pid, l.waitstart
), holders AS MATERIALIZED (
  SELECT w.pid, b.pid AS blocker
    FROM waits w
    JOIN locks b ON b.target = w.target AND b.granted AND b.pid <> w.pid AND b.mode = ANY (w.blocked_by_modes)
), unheld AS MATERIALIZED (
  -- Waiters no holder blocks, before pairing them with the queue: in a pile-up on one row
  -- nearly every waiter has a holder, and pairing all of them first is quadratic.
  SELECT w.* FROM waits w WHERE NOT EXISTS (SELECT 1 FROM holders h WHERE h.pid = w.pid)
), queued AS (
  SELECT w.pid, b.pid AS blocker
    FROM unheld w
    JOIN locks b ON b.target = w.target AND NOT b.granted AND b.pid <> w.pid AND b.mode = ANY (w.blocked_by_modes)
     AND b.waitstart < w.waitstart
), waiting AS (
  SELECT pid, array_agg(DISTINCT blocker::int8) AS blocked_by
    FROM (SELECT * FROM holders UNION ALL SELECT * FROM queued) e
   GROUP BY pid
), involved AS (
  SELECT pid FROM waiting
  UNION
  SELECT unnest(blocked_by) FROM waiting
)
SELECT i.pid::int8 AS pid,
       coalesce(w.blocked_by, '{}')::int8[] AS blocked_by,
       coalesce(a.usename, p.owner, '') AS usename,
       coalesce(a.datname, p.database, '') AS database,
       coalesce(a.application_name, '') AS application,
       coalesce(host(a.client_addr), CASE WHEN p.gid IS NULL THEN 'local socket' END, '') AS client,
       coalesce(a.state, CASE WHEN p.gid IS NOT NULL THEN 'prepared transaction' END, '') AS state,
       coalesce(a.query, '') AS query,
       a.backend_type::text AS backend_type,
       'pg:' || a.pid || '@' || to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
         || coalesce('/' || to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '') AS session_ref,
       p.gid,
       CASE WHEN w.pid IS NOT NULL THEN
         extract(epoch FROM clock_timestamp() - coalesce(l.waitstart, a.state_change))::float8
       END AS waiting_seconds,
       extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, p.prepared))::float8 AS xact_seconds,
       CASE WHEN l.mode IS NOT NULL THEN
         l.mode || ' on ' || coalesce(CASE WHEN rn.nspname = 'public' THEN quote_ident(rc.relname)
                                           ELSE quote_ident(rn.nspname) || '.' || quote_ident(rc.relname) END,
                                      l.locktype)
       END AS lock
  FROM involved i
  LEFT JOIN pg_stat_activity a ON a.pid = i.pid
  LEFT JOIN prepared p ON -p.xid = i.pid
  LEFT JOIN waiting w ON w.pid = i.pid
  LEFT JOIN waits l ON l.pid = i.pid
  LEFT JOIN pg_class rc ON rc.oid = l.relation
  LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
 WHERE a.pid IS NOT NULL OR p.gid IS NOT NULL
