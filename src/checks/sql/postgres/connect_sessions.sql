-- Sessions that ended badly since the statistics were reset (PostgreSQL 14+): abandoned (the
-- client vanished without a goodbye), fatal (ended by the server: idle_session_timeout and
-- the like), killed (pg_terminate_backend).
-- pg_stat_database's rows (the shared objects' row 0, then every database) read through the
-- three functions needed, not the view's 25 columns, which a new backend parses and plans.
SELECT coalesce(sum(pg_catalog.pg_stat_get_db_sessions_abandoned(d.oid)), 0)::int8 AS abandoned,
       coalesce(sum(pg_catalog.pg_stat_get_db_sessions_fatal(d.oid)), 0)::int8 AS fatal,
       coalesce(sum(pg_catalog.pg_stat_get_db_sessions_killed(d.oid)), 0)::int8 AS killed
  FROM (SELECT 0::oid AS oid UNION ALL SELECT oid FROM pg_catalog.pg_database) d
