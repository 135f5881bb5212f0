-- Deadlocks since the statistics were reset, and the settings that decide how waits end.
-- Then what turns the counter into a rate: since when it counts (the earliest reset of any
-- database; NULL when one was never reset, as on a new cluster: the counter then counts from a
-- time no view shows, kept across clean restarts), the server's clock and its start. Last,
-- whether any lock is waited for at all: the lock tree (locks.sql, the costliest statement of a
-- run to plan) is read in the follow-up only when one is.
SELECT (SELECT coalesce(sum(deadlocks), 0)::int8 FROM pg_stat_database) AS deadlocks,
       current_setting('log_lock_waits') AS log_lock_waits,
       current_setting('deadlock_timeout') AS deadlock_timeout,
       -- reset_val: the server's (role's, database's) value, not this tool's own session setting
       (SELECT reset_val || coalesce(unit, '') FROM pg_settings WHERE name = 'lock_timeout') AS lock_timeout,
       (SELECT CASE WHEN bool_and(stats_reset IS NOT NULL)
                    THEN extract(epoch FROM min(stats_reset))::float8 END
          FROM pg_stat_database) AS counting_since,
       extract(epoch FROM now())::float8 AS now_epoch,
       extract(epoch FROM pg_postmaster_start_time())::float8 AS started_epoch,
       EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted) AS waiting
