-- The session that has sat idle inside a transaction the longest (it holds a slot, its locks,
-- and holds back vacuum), with its backend_start: the identity a step that ends it guards on.
-- Sessions are read from pg_stat_get_activity(NULL), the function under the pg_stat_activity view
-- (same rows, same privilege rules), with names looked up only where shown: planning the view's
-- joins cost a fresh backend 0.1-0.5 ms per statement (bench/vs_check_postgres.sh).
SELECT pid::int8 AS pid,
       coalesce(pg_catalog.pg_get_userbyid(usesysid)::text, '') AS usename,
       coalesce((SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = datid), '') AS database,
       coalesce(application_name, '') AS application,
       coalesce(host(client_addr), 'local socket') AS client,
       extract(epoch FROM now() - state_change)::float8 AS state_seconds,
       backend_start::text AS backend_start
  FROM pg_catalog.pg_stat_get_activity(NULL)
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND state LIKE 'idle in transaction%'
   -- a backup's long transaction is not one to end (it gets no terminate step)
   AND application_name !~ '^(pg_dump|pg_dumpall|pg_basebackup)'
 ORDER BY state_change
 LIMIT 1
