-- The account's global privileges (on *.*), USAGE aside: with any of them a dump's statements
-- reach beyond the scratch database.
SELECT PRIVILEGE_TYPE
  FROM information_schema.USER_PRIVILEGES
 WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',
                        SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')
   AND PRIVILEGE_TYPE <> 'USAGE'
 ORDER BY PRIVILEGE_TYPE
