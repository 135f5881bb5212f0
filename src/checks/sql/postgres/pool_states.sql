-- Client connections by state; NULL state means this role may not see that session.
SELECT coalesce(state, '<insufficient privilege>') AS state, count(*)::int8 AS n
  FROM pg_stat_activity
 WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()
 GROUP BY 1
 ORDER BY 2 DESC, 1
