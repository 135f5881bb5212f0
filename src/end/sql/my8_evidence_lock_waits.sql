-- Evidence: every InnoDB row-lock wait (MySQL 8, through the sys schema).
SELECT * FROM sys.innodb_lock_waits
