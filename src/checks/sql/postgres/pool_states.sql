-- Client connections by state; NULL state means this role may not see that session.
-- Sessions are read from pg_stat_get_activity(NULL), the function under the pg_stat_activity view
-- (same rows, same privilege rules), with names looked up only where shown: planning the view's
-- joins cost a fresh backend 0.1-0.5 ms per statement (bench/vs_check_postgres.sh).
SELECT coalesce(state, '<insufficient privilege>') AS state, count(*)::int8 AS n
  FROM pg_catalog.pg_stat_get_activity(NULL)
 WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()
 GROUP BY 1
 ORDER BY 2 DESC, 1
