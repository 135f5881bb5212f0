-- Deadlocks since the statistics were reset, the settings that decide how waits end, and whether
-- any lock is waited for at all: the lock tree (locks.sql, the costliest statement of a run to
-- plan) is read in the follow-up only when one is.
SELECT (SELECT coalesce(sum(deadlocks), 0)::int8 FROM pg_stat_database) AS deadlocks,
       current_setting('log_lock_waits') AS log_lock_waits,
       current_setting('deadlock_timeout') AS deadlock_timeout,
       -- reset_val: the server's (role's, database's) value, not this tool's own session setting
       (SELECT reset_val || coalesce(unit, '') FROM pg_settings WHERE name = 'lock_timeout') AS lock_timeout,
       EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted) AS waiting
