-- Who holds the connections: database, role, application and client address, largest first.
-- Sessions are read from pg_stat_get_activity(NULL), the function under the pg_stat_activity view
-- (same rows, same privilege rules), with names looked up only where shown: planning the view's
-- joins cost a fresh backend 0.1-0.5 ms per statement (bench/vs_check_postgres.sh).
SELECT coalesce((SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = datid), '') AS database,
       coalesce(pg_catalog.pg_get_userbyid(usesysid)::text, '') AS usename,
       coalesce(application_name, '') AS application,
       coalesce(host(client_addr), 'local socket') AS client,
       count(*)::int8 AS connections,
       count(*) FILTER (WHERE state = 'active')::int8 AS active,
       count(*) FILTER (WHERE state = 'idle')::int8 AS idle,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int8 AS idle_in_transaction
  FROM pg_catalog.pg_stat_get_activity(NULL)
 WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()
 GROUP BY 1, 2, 3, 4
 ORDER BY 5 DESC, 1, 2, 3, 4
 LIMIT $1
