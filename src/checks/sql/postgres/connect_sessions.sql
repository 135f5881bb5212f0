-- Sessions that ended badly since the statistics were reset (PostgreSQL 14+): abandoned (the
-- client vanished without a goodbye), fatal (ended by the server: idle_session_timeout and
-- the like), killed (pg_terminate_backend).
SELECT coalesce(sum(sessions_abandoned), 0)::int8 AS abandoned,
       coalesce(sum(sessions_fatal), 0)::int8 AS fatal,
       coalesce(sum(sessions_killed), 0)::int8 AS killed
  FROM pg_catalog.pg_stat_database
