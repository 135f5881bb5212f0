-- The sleeping thread whose InnoDB transaction has been open the longest.
SELECT CAST(p.ID AS SIGNED) AS pid, p.USER AS usename, COALESCE(p.DB, '') AS `database`,
       SUBSTRING_INDEX(p.HOST, ':', 1) AS client,
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED) AS state_seconds
  FROM information_schema.INNODB_TRX t
  JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
 WHERE p.COMMAND = 'Sleep' AND p.ID <> CONNECTION_ID()
 ORDER BY t.trx_started
 LIMIT 1
