-- Client threads this user can see in the processlist (this session included, as in
-- Threads_connected): the difference is hidden from a user without PROCESS.
SELECT CAST(COUNT(*) AS SIGNED) AS visible, CURRENT_USER() AS account
  FROM information_schema.PROCESSLIST
 WHERE COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
