-- The settings that decide how lock waits end, and whether performance_schema can name
-- metadata-lock holders.
SELECT CAST(@@GLOBAL.innodb_lock_wait_timeout AS CHAR) AS innodb_lock_wait_timeout,
       CAST(@@GLOBAL.lock_wait_timeout AS CHAR) AS lock_wait_timeout,
       CAST(@@GLOBAL.innodb_print_all_deadlocks AS CHAR) AS innodb_print_all_deadlocks,
       CAST(@@performance_schema AS SIGNED) AS performance_schema
