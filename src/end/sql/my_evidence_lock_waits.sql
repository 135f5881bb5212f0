-- Evidence: every InnoDB row-lock wait (MariaDB, MySQL 5.7).
SELECT * FROM information_schema.INNODB_LOCK_WAITS
