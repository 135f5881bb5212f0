-- Every sleeping thread with an open InnoDB transaction: the exact count, not cut by --limit.
SELECT CAST(COUNT(*) AS SIGNED) AS idle_in_transaction
  FROM information_schema.INNODB_TRX t
  JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
 WHERE p.COMMAND = 'Sleep' AND p.ID <> CONNECTION_ID()
