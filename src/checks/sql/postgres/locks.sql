-- Every session that waits for a lock, the sessions it waits for, and the lock and since when
-- (PostgreSQL 14+). The lock table is read once: a waiter is blocked by the sessions holding a
-- conflicting lock on the same object, or, when none holds one, by those queued ahead of it
-- (earlier waitstart) for a conflicting mode, as pg_blocking_pids() says, without its per-waiter
-- scan of the whole lock table, which is quadratic in a pile-up of a thousand waiters.
-- clock_timestamp(), not now(): a wait may have begun after this transaction did. Relations are
-- named as a default search_path shows them: bare in public, schema-qualified elsewhere (this
-- session's own search_path is pg_catalog).
WITH locks AS MATERIALIZED (
  SELECT pid, mode, granted, waitstart, locktype, relation,
         row(locktype, database, relation, page, tuple, virtualxid, transactionid, classid, objid, objsubid)::text AS target
    FROM pg_locks
   WHERE pid IS NOT NULL AND pid <> pg_backend_pid()
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
SELECT a.pid::int8 AS pid,
       coalesce(w.blocked_by, '{}')::int8[] AS blocked_by,
       coalesce(a.usename, '') AS usename,
       coalesce(a.datname, '') AS database,
       coalesce(a.application_name, '') AS application,
       coalesce(host(a.client_addr), 'local socket') AS client,
       coalesce(a.state, '') AS state,
       coalesce(a.query, '') AS query,
       a.backend_type::text AS backend_type,
       CASE WHEN w.pid IS NOT NULL THEN
         extract(epoch FROM clock_timestamp() - coalesce(l.waitstart, a.state_change))::float8
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
  LEFT JOIN waits l ON l.pid = a.pid
  LEFT JOIN pg_class rc ON rc.oid = l.relation
  LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
