-- The sleeping thread whose InnoDB transaction has been open the longest.
SELECT CAST(p.ID AS SIGNED), p.USER, COALESCE(p.DB, ''), SUBSTRING_INDEX(p.HOST, ':', 1),
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED)
  FROM information_schema.INNODB_TRX t
  JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
 WHERE p.COMMAND = 'Sleep' AND p.ID <> CONNECTION_ID()
 ORDER BY t.trx_started
 LIMIT 1
