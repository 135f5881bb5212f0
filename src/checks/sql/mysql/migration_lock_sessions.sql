-- The client sessions connected now, for matching a migration lock's holder (Liquibase's
-- LOCKEDBY is "hostname (address)") against them: the host part of HOST (an address, or a name
-- with name resolution on), whether it is working (not Sleep), and whether this account sees
-- other accounts' sessions (PROCESS privilege). Bounded like the PostgreSQL query.
SELECT CAST(SUBSTRING_INDEX(p.HOST, ':', 1) AS CHAR) AS client_addr,
       CAST(SUBSTRING_INDEX(p.HOST, ':', 1) AS CHAR) AS client_hostname,
       CAST(p.COMMAND <> 'Sleep' AS SIGNED) AS working,
       CAST(EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES u
                     WHERE u.PRIVILEGE_TYPE = 'PROCESS'
                       AND u.GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',
                                              SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')) AS SIGNED) AS sees_all
  FROM information_schema.PROCESSLIST p
 WHERE p.ID <> CONNECTION_ID() AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
 LIMIT 1000
