-- InnoDB row-lock waits, MySQL 8 (performance_schema.data_lock_waits through the sys schema).
SELECT CAST(waiting_pid AS SIGNED), CAST(blocking_pid AS SIGNED), CAST(wait_age_secs AS SIGNED),
       CONCAT(waiting_lock_mode, ' lock on ', locked_table)
  FROM sys.innodb_lock_waits
