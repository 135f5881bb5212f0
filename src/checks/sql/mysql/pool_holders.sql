-- Who holds the connections: schema, user and client host (port stripped), largest first.
-- A sleeping thread with an open InnoDB transaction is MySQL's "idle in transaction".
SELECT COALESCE(p.DB, ''), p.USER, SUBSTRING_INDEX(p.HOST, ':', 1),
       CAST(COUNT(*) AS SIGNED),
       CAST(SUM(p.COMMAND <> 'Sleep') AS SIGNED),
       CAST(SUM(p.COMMAND = 'Sleep' AND t.trx_id IS NULL) AS SIGNED),
       CAST(SUM(p.COMMAND = 'Sleep' AND t.trx_id IS NOT NULL) AS SIGNED)
  FROM information_schema.PROCESSLIST p
  LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
 WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
 GROUP BY 1, 2, 3
 ORDER BY 4 DESC, 1, 2, 3
 LIMIT ?
