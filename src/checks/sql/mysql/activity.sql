-- Threads running a statement for at least ? seconds, or holding an InnoDB transaction open for
-- at least ? seconds (a sleeping thread with one is MySQL's "idle in transaction"), in the
-- session shape the PostgreSQL query has, with the session reference `dbrunbook end` takes
-- (src/checks/session_ref.rs; MySQL 8 reads the uptime from performance_schema.global_status,
-- swapped in by session_ref::uptime_from).
SELECT CAST(p.ID AS SIGNED) AS pid, p.USER AS usename, COALESCE(p.DB, '') AS `database`,
       SUBSTRING_INDEX(p.HOST, ':', 1) AS client,
       CASE WHEN p.COMMAND <> 'Sleep' THEN 'active'
            WHEN t.trx_started IS NOT NULL THEN 'idle in transaction'
            ELSE 'idle' END AS state,
       COALESCE(p.INFO, '') AS query,
       CASE WHEN p.COMMAND <> 'Sleep' THEN CAST(p.TIME AS SIGNED) END AS query_seconds,
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED) AS xact_seconds,
       CAST(p.TIME AS SIGNED) AS state_seconds,
       CASE WHEN t.trx_state = 'LOCK WAIT' THEN 'Lock:row' ELSE NULLIF(p.STATE, '') END AS wait,
       CONCAT('my:', p.ID, '@', b.started,
              IF(t.trx_started IS NULL, '',
                 CONCAT('/', DATE_FORMAT(t.trx_started - INTERVAL TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) SECOND,
                                         '%Y-%m-%dT%H:%i:%sZ')))) AS session_ref
  FROM information_schema.PROCESSLIST p
  CROSS JOIN (SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL VARIABLE_VALUE SECOND, '%Y-%m-%dT%H:%i:%sZ') AS started
                FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME') b
  LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
 WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
   AND ((p.COMMAND NOT IN ('Sleep', 'Connect') AND p.TIME >= ?)
        OR t.trx_started <= NOW() - INTERVAL ? SECOND)
