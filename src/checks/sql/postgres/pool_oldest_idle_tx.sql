-- The session that has sat idle inside a transaction the longest (it holds a slot, its locks,
-- and holds back vacuum), with its backend_start: the identity a step that ends it guards on.
SELECT pid::int8 AS pid,
       coalesce(usename, '') AS usename,
       coalesce(datname, '') AS database,
       coalesce(application_name, '') AS application,
       coalesce(host(client_addr), 'local socket') AS client,
       extract(epoch FROM now() - state_change)::float8 AS state_seconds,
       backend_start::text AS backend_start
  FROM pg_stat_activity
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND state LIKE 'idle in transaction%'
   -- a backup's long transaction is not one to end (it gets no terminate step)
   AND application_name !~ '^(pg_dump|pg_dumpall|pg_basebackup)'
 ORDER BY state_change
 LIMIT 1
