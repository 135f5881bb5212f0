-- The client sessions connected now, for matching a migration lock's holder (Liquibase's
-- LOCKEDBY is "hostname (address)") against them: the host part of HOST (an address, or a name
-- with name resolution on), whether it is working (not Sleep), and whether this account sees
-- other accounts' sessions (PROCESS privilege). Always at least one row, carrying that flag,
-- so "nobody else is connected" is told from "not allowed to see". Bounded like PostgreSQL's.
SELECT CAST(p.client_addr AS CHAR) AS client_addr,
       CAST(p.client_addr AS CHAR) AS client_hostname,
       CAST(COALESCE(p.working, 0) AS SIGNED) AS working,
       CAST(v.sees_all AS SIGNED) AS sees_all
  FROM (SELECT EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES u
                        WHERE u.PRIVILEGE_TYPE = 'PROCESS'
                          AND u.GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',
                                                 SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')) AS sees_all) v
  LEFT JOIN (SELECT SUBSTRING_INDEX(HOST, ':', 1) AS client_addr, COMMAND <> 'Sleep' AS working
               FROM information_schema.PROCESSLIST
              WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')) p
    ON 1 = 1
 LIMIT 1000
