-- Client threads by command (Sleep, Query, ...), leaving out the tool's own and server daemons.
SELECT COMMAND, CAST(COUNT(*) AS SIGNED)
  FROM information_schema.PROCESSLIST
 WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
 GROUP BY COMMAND
 ORDER BY 2 DESC, 1
