-- dbrunbook:slow (the tool leaves out its own statements by this line)
-- Where pg_stat_statements is installed in this database (NULL: not installed) and at which
-- version, whether its library is loaded (it defines pg_stat_statements.max only when it is in
-- shared_preload_libraries), whether this role may read other roles' statement texts, and who
-- it is (for the GRANT) and where.
SELECT (SELECT n.nspname::text
          FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements') AS schema,
       (SELECT e.extversion::text FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_stat_statements') AS version,
       EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'pg_stat_statements.max') AS loaded,
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS sees_all,
       current_user::text AS account,
       pg_catalog.current_database()::text AS database,
       (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'shared_preload_libraries') AS preload
