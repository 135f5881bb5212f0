-- Every thread of the server, in the session shape of the PostgreSQL query: its reference (thread
-- id, the server's start computed from Uptime, and the InnoDB transaction's start, both in UTC),
-- replication and server threads named as PostgreSQL's backend_type would, and `killed` for a
-- thread rolling back after a KILL. MySQL 8 reads the uptime from performance_schema.global_status (swapped in by session_ref::uptime_from).
SELECT CAST(p.ID AS SIGNED) AS pid,
       CONCAT('my:', p.ID, '@', b.started,
              IF(t.trx_started IS NULL, '',
                 CONCAT('/', DATE_FORMAT(t.trx_started - INTERVAL TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) SECOND,
                                         '%Y-%m-%dT%H:%i:%sZ')))) AS session_ref,
       COALESCE(p.USER, '') AS usename, COALESCE(p.DB, '') AS `database`,
       SUBSTRING_INDEX(p.HOST, ':', 1) AS client,
       CASE WHEN p.COMMAND = 'Killed' THEN 'killed'
            WHEN p.COMMAND NOT IN ('Sleep', 'Connect') THEN 'active'
            WHEN t.trx_started IS NOT NULL THEN 'idle in transaction'
            ELSE 'idle' END AS state,
       COALESCE(p.INFO, '') AS query,
       CASE WHEN p.COMMAND NOT IN ('Sleep', 'Connect') THEN CAST(p.TIME AS SIGNED) END AS query_seconds,
       CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED) AS xact_seconds,
       CAST(p.TIME AS SIGNED) AS state_seconds,
       CASE WHEN t.trx_state = 'LOCK WAIT' THEN 'Lock:row' ELSE NULLIF(p.STATE, '') END AS wait,
       CASE WHEN p.COMMAND IN ('Binlog Dump', 'Binlog Dump GTID') THEN 'walsender'
            WHEN p.COMMAND IN ('Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
                 OR p.USER IN ('system user', 'event_scheduler') THEN 'system'
            ELSE 'client backend' END AS backend_type,
       CAST(p.ID = CONNECTION_ID() AS SIGNED) AS own
  FROM information_schema.PROCESSLIST p
  CROSS JOIN (SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL VARIABLE_VALUE SECOND, '%Y-%m-%dT%H:%i:%sZ') AS started
                FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME') b
  LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
