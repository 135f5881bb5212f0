-- Threads running a statement for at least ? seconds, or holding an InnoDB transaction open for
-- at least ? seconds (a sleeping thread with one is MySQL's "idle in transaction").
SELECT CAST(p.ID AS SIGNED), p.USER, COALESCE(p.DB, ''), SUBSTRING_INDEX(p.HOST, ':', 1),
       p.COMMAND, COALESCE(p.INFO, ''), CAST(p.TIME AS SIGNED), COALESCE(p.STATE, ''),
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED)
  FROM information_schema.PROCESSLIST p
  LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
 WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
   AND ((p.COMMAND NOT IN ('Sleep', 'Connect') AND p.TIME >= ?)
        OR t.trx_started <= NOW() - INTERVAL ? SECOND)
