-- Client threads this user can see (this session and replicas' Binlog Dump threads included, as
-- in Threads_connected), and how many belong to other users: seeing any proves PROCESS, so a
-- difference from Threads_connected is then connections that came and went, not hidden ones.
SELECT CAST(COUNT(*) AS SIGNED) AS visible, CURRENT_USER() AS account,
       CAST(SUM(USER <> SUBSTRING_INDEX(CURRENT_USER(), '@', 1)) AS SIGNED) AS others
  FROM information_schema.PROCESSLIST
 WHERE COMMAND <> 'Daemon'
