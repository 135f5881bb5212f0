-- Evidence: the thread's InnoDB transaction.
SELECT * FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?
