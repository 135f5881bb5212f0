-- The same without INNODB_TRX, for a user without PROCESS: running statements only.
SELECT CAST(ID AS SIGNED), USER, COALESCE(DB, ''), SUBSTRING_INDEX(HOST, ':', 1),
       COMMAND, COALESCE(INFO, ''), CAST(TIME AS SIGNED), COALESCE(STATE, ''), CAST(NULL AS SIGNED)
  FROM information_schema.PROCESSLIST
 WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
   AND COMMAND NOT IN ('Sleep', 'Connect') AND TIME >= ? AND ? >= 0
