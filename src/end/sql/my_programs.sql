-- The program each client announced (mysqldump, mariadb-dump, mariabackup...): empty when
-- performance_schema is off, which is MariaDB's default.
SELECT CAST(PROCESSLIST_ID AS SIGNED) AS pid, ATTR_VALUE AS program
  FROM performance_schema.session_connect_attrs
 WHERE ATTR_NAME = 'program_name'
