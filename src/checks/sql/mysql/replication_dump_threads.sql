-- On a primary: the replicas connected now, one binlog dump thread each, with how long the
-- thread has been in its state (caught up: "Master has sent all binlog to slave"). Without
-- PROCESS, other accounts' threads are hidden.
SELECT ID, USER, HOST, TIME, STATE, UNIX_TIMESTAMP(NOW(6)) AS taken_at
  FROM information_schema.PROCESSLIST
 WHERE COMMAND IN ('Binlog Dump', 'Binlog Dump GTID')
 ORDER BY ID
