-- Deadlocks since the statistics were reset, and the settings that decide how waits end.
-- Then what turns the counter into a rate: since when it counts (the earliest reset of any
-- database; NULL when one was never reset, as on a new cluster: the counter then counts from a
-- time no view shows, kept across clean restarts), the server's clock and its start. Last,
-- whether any lock is waited for at all: the lock tree (locks.sql, the costliest statement of a
-- run to plan) is read in the follow-up only when one is.
SELECT db.deadlocks,
       current_setting('log_lock_waits') AS log_lock_waits,
       current_setting('deadlock_timeout') AS deadlock_timeout,
       -- The server's (role's, database's) value, not this tool's own: the transaction kept it
       -- before its SET LOCAL (engine/postgres.rs). pg_settings.reset_val says the same at the
       -- cost of building all ~350 settings rows, so it is read only when that is missing (the
       -- subquery is an initPlan, run only if COALESCE gets to it).
       coalesce(current_setting('dbrunbook.server_lock_timeout', true),
                (SELECT reset_val || coalesce(unit, '') FROM pg_settings WHERE name = 'lock_timeout'))
         AS lock_timeout,
       db.counting_since,
       extract(epoch FROM now())::float8 AS now_epoch,
       extract(epoch FROM pg_postmaster_start_time())::float8 AS started_epoch,
       EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted) AS waiting
  -- pg_stat_database's rows (the shared objects' row 0, then every database) read through the
  -- two functions needed, not the view's 25 columns: a fresh backend parses and plans the view.
  FROM (SELECT coalesce(sum(pg_catalog.pg_stat_get_db_deadlocks(d.oid)), 0)::int8 AS deadlocks,
               CASE WHEN bool_and(pg_catalog.pg_stat_get_db_stat_reset_time(d.oid) IS NOT NULL)
                    THEN extract(epoch FROM min(pg_catalog.pg_stat_get_db_stat_reset_time(d.oid)))::float8 END AS counting_since
          FROM (SELECT 0::oid AS oid UNION ALL SELECT oid FROM pg_catalog.pg_database) d) AS db
