-- Every client thread with its open transaction (if any): the candidates for a lock tree. Last,
-- its session reference for `dbrunbook end` (thread id, the server's start from Uptime, the
-- transaction's start, in UTC: src/checks/session_ref.rs); MySQL 8 reads the uptime from
-- performance_schema.global_status instead (the check swaps the table name).
SELECT CAST(p.ID AS SIGNED), p.USER, COALESCE(p.DB, ''), SUBSTRING_INDEX(p.HOST, ':', 1), p.COMMAND,
       COALESCE(p.STATE, ''), COALESCE(p.INFO, ''), CAST(p.TIME AS SIGNED),
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED),
       CONCAT('my:', p.ID, '@', b.started,
              IF(t.trx_started IS NULL, '',
                 CONCAT('/', DATE_FORMAT(t.trx_started - INTERVAL TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) SECOND,
                                         '%Y-%m-%dT%H:%i:%sZ'))))
  FROM information_schema.PROCESSLIST p
  CROSS JOIN (SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL VARIABLE_VALUE SECOND, '%Y-%m-%dT%H:%i:%sZ') AS started
                FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME') b
  LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
 WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
