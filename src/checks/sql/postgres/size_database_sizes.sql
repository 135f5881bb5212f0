-- The connected database's size, or with $1 = 1 (--databases all) every database's size when
-- this role may connect to it: pg_database_size raises an error for
-- a database it may not connect to, so those come back NULL and are counted as skipped. A
-- database left invalid by an interrupted DROP DATABASE (datconnlimit -2) has nothing to size.
SELECT d.datname::text AS name,
       CASE WHEN d.datconnlimit <> -2
             AND (pg_catalog.has_database_privilege(d.oid, 'CONNECT')
                  OR pg_catalog.pg_has_role('pg_read_all_stats', 'MEMBER'))
            THEN pg_catalog.pg_database_size(d.oid) END AS bytes
  FROM pg_catalog.pg_database d
 WHERE $1 = 1 OR d.datname = pg_catalog.current_database()
 ORDER BY d.datname
