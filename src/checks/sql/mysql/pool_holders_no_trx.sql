-- Who holds the connections, for a user without PROCESS (no INNODB_TRX): the sleeping threads
-- count as idle, and the idle-in-transaction column stays 0.
SELECT COALESCE(DB, ''), USER, SUBSTRING_INDEX(HOST, ':', 1),
       CAST(COUNT(*) AS SIGNED),
       CAST(SUM(COMMAND <> 'Sleep') AS SIGNED),
       CAST(SUM(COMMAND = 'Sleep') AS SIGNED),
       CAST(0 AS SIGNED)
  FROM information_schema.PROCESSLIST
 WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
 GROUP BY 1, 2, 3
 ORDER BY 4 DESC, 1, 2, 3
 LIMIT ?
