-- InnoDB row-lock waits, MariaDB and MySQL 5.7: who waits, for whom, for how long, on what.
SELECT CAST(r.trx_mysql_thread_id AS SIGNED), CAST(b.trx_mysql_thread_id AS SIGNED),
       CAST(TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS SIGNED),
       COALESCE(CONCAT(rl.lock_mode, ' ', rl.lock_type, ' lock on ', rl.lock_table), '')
  FROM information_schema.INNODB_LOCK_WAITS w
  JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
  JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
  LEFT JOIN information_schema.INNODB_LOCKS rl ON rl.lock_id = w.requested_lock_id
