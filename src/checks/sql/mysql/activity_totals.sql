-- Client threads this user can see (this session and replicas' Binlog Dump threads included, as
-- in Threads_connected), and how many belong to other users: seeing any proves PROCESS, so a
-- difference from Threads_connected is then connections that came and went, not hidden ones.
-- The PROCESS (or SUPER) grant itself proves it too, for an account alone on its server, whose
-- own connections may come and go between this count and Threads_connected.
SELECT CAST(COUNT(*) AS SIGNED) AS visible, CURRENT_USER() AS account,
       CAST(SUM(USER <> SUBSTRING_INDEX(CURRENT_USER(), '@', 1)) AS SIGNED) AS others,
       (SELECT CAST(COUNT(*) AS SIGNED)
          FROM information_schema.USER_PRIVILEGES
         WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',
                                SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
           AND PRIVILEGE_TYPE IN ('PROCESS', 'SUPER')) AS sees_all
  FROM information_schema.PROCESSLIST
 WHERE COMMAND <> 'Daemon'
