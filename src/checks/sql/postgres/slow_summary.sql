-- Over every entry, without reading the texts: how many there are, how many of other roles
-- hide their text from this role (no pg_read_all_stats), and how many average at least $1
-- (warning) and $2 (critical) milliseconds, and the highest mean. {schema} is the extension's schema, quoted.
SELECT pg_catalog.count(*) AS statements,
       pg_catalog.count(*) FILTER (WHERE NOT pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
                          AND s.userid <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)) AS hidden,
       pg_catalog.count(*) FILTER (WHERE s.calls > 0 AND s.total_exec_time / s.calls >= $1::float8) AS over_warning,
       pg_catalog.count(*) FILTER (WHERE s.calls > 0 AND s.total_exec_time / s.calls >= $2::float8) AS over_critical,
       pg_catalog.max(s.total_exec_time / nullif(s.calls, 0))::float8 AS worst_mean_ms
  FROM {schema}.pg_stat_statements(false) s
