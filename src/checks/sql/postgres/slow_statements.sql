-- dbrunbook:slow (the tool leaves out its own statements by this line)
-- The statements pg_stat_statements keeps, ordered server-side by $1 (0 total time, 1 mean
-- time, 2 calls) and cut to $3 rows, with the text cut to $2 characters: the view can hold
-- thousands of entries with texts of any length. Ordered and cut before the texts are cut and
-- measured, which costs more than reading them (bench/slow_scale.sh). Every row also carries
-- the figures over every entry, in the same pass over the texts: how many there are, how many
-- of other roles hide their text from this role (no pg_read_all_stats), how many average at
-- least $4 (warning) and $5 (critical) milliseconds, and the highest mean. {schema} is the
-- extension's schema, quoted; {toplevel} is `s.toplevel` from version 1.9 (PostgreSQL 14) on.
-- The tool's own statements are left out: the engine opens each with /* dbrunbook */ (older
-- versions of the tool with the line above).
-- Times in milliseconds.
SELECT s.userid::int8 AS userid,
       s.dbid::int8 AS dbid,
       s.queryid AS queryid,
       {toplevel} AS toplevel,
       coalesce(r.rolname::text, s.userid::text) AS usename,
       coalesce(d.datname::text, s.dbid::text) AS database,
       s.calls AS calls,
       s.total_exec_time::float8 AS total_ms,
       s.rows AS rows,
       s.shared_blks_hit AS shared_blks_hit,
       s.shared_blks_read AS shared_blks_read,
       s.temp_blks_written AS temp_blks_written,
       pg_catalog.left(s.query, $2::int4) AS query,
       pg_catalog.length(s.query)::int8 AS query_length,
       s.statements, s.hidden, s.over_warning, s.over_critical, s.worst_mean_ms
  FROM (SELECT s.*,
               pg_catalog.count(*) OVER () AS statements,
               pg_catalog.count(*) FILTER (WHERE NOT pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
                                             AND s.userid <> (SELECT oid FROM pg_catalog.pg_roles
                                                               WHERE rolname = current_user)) OVER () AS hidden,
               pg_catalog.count(*) FILTER (WHERE s.total_exec_time / nullif(s.calls, 0) >= $4::float8) OVER () AS over_warning,
               pg_catalog.count(*) FILTER (WHERE s.total_exec_time / nullif(s.calls, 0) >= $5::float8) OVER () AS over_critical,
               pg_catalog.max(s.total_exec_time / nullif(s.calls, 0)) OVER ()::float8 AS worst_mean_ms
          FROM {schema}.pg_stat_statements s
         WHERE s.query NOT LIKE '/* dbrunbook */%' AND s.query NOT LIKE '-- dbrunbook:slow%'
         ORDER BY CASE $1::int8
                       WHEN 1 THEN s.total_exec_time / nullif(s.calls, 0)
                       WHEN 2 THEN s.calls::float8
                       ELSE s.total_exec_time
                  END DESC NULLS LAST
         LIMIT $3::int8) s
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid
  LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid
 ORDER BY CASE $1::int8
               WHEN 1 THEN s.total_exec_time / nullif(s.calls, 0)
               WHEN 2 THEN s.calls::float8
               ELSE s.total_exec_time
          END DESC NULLS LAST
