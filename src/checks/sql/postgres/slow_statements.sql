-- The statements pg_stat_statements keeps, ordered server-side by $1 (0 total time, 1 mean
-- time, 2 calls) and cut to $3 rows, with the text cut to $2 characters: the view can hold
-- thousands of entries with texts of any length. {schema} is the extension's schema, quoted;
-- {toplevel} is `s.toplevel` from version 1.9 (PostgreSQL 14) on. Times in milliseconds.
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
       pg_catalog.length(s.query)::int8 AS query_length
  FROM {schema}.pg_stat_statements s
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid
  LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid
 ORDER BY CASE $1::int8
               WHEN 1 THEN s.total_exec_time / nullif(s.calls, 0)
               WHEN 2 THEN s.calls::float8
               ELSE s.total_exec_time
          END DESC NULLS LAST
 LIMIT $3::int8
