-- Who holds the connections: database, role, application and client address, largest first.
SELECT coalesce(datname, '') AS database,
       coalesce(usename, '') AS usename,
       coalesce(application_name, '') AS application,
       coalesce(host(client_addr), 'local socket') AS client,
       count(*)::int8 AS connections,
       count(*) FILTER (WHERE state = 'active')::int8 AS active,
       count(*) FILTER (WHERE state = 'idle')::int8 AS idle,
       count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int8 AS idle_in_transaction
  FROM pg_stat_activity
 WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()
 GROUP BY 1, 2, 3, 4
 ORDER BY 5 DESC, 1, 2, 3, 4
 LIMIT $1
