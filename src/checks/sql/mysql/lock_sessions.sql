-- Every client thread with its open transaction (if any): the candidates for a lock tree.
SELECT CAST(p.ID AS SIGNED), p.USER, COALESCE(p.DB, ''), SUBSTRING_INDEX(p.HOST, ':', 1), p.COMMAND,
       COALESCE(p.STATE, ''), COALESCE(p.INFO, ''), CAST(p.TIME AS SIGNED),
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED)
  FROM information_schema.PROCESSLIST p
  LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
 WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
