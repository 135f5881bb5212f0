-- The same without INNODB_TRX, for a user without PROCESS: running statements only.
SELECT CAST(ID AS SIGNED) AS pid, USER AS usename, COALESCE(DB, '') AS `database`,
       SUBSTRING_INDEX(HOST, ':', 1) AS client, 'active' AS state, COALESCE(INFO, '') AS query,
       CAST(TIME AS SIGNED) AS query_seconds, CAST(NULL AS SIGNED) AS xact_seconds,
       CAST(TIME AS SIGNED) AS state_seconds, NULLIF(STATE, '') AS wait
  FROM information_schema.PROCESSLIST
 WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
   AND COMMAND NOT IN ('Sleep', 'Connect') AND TIME >= ? AND ? >= 0
