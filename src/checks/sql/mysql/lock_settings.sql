-- The settings that decide how lock waits end, and whether performance_schema can name
-- metadata-lock holders. Then the server's clock, as a number and in the server's own time
-- zone (the form of SHOW ENGINE INNODB STATUS's deadlock timestamp, to tell its age).
SELECT CAST(@@GLOBAL.innodb_lock_wait_timeout AS CHAR) AS innodb_lock_wait_timeout,
       CAST(@@GLOBAL.lock_wait_timeout AS CHAR) AS lock_wait_timeout,
       CAST(@@GLOBAL.innodb_print_all_deadlocks AS CHAR) AS innodb_print_all_deadlocks,
       CAST(@@performance_schema AS SIGNED) AS performance_schema,
       CAST(UNIX_TIMESTAMP() AS SIGNED) AS now_epoch,
       DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s') AS now_local
