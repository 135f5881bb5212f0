-- Every database: its size when this role may connect to it (pg_database_size raises an error
-- for a database it may not connect to, so those come back NULL and are counted as skipped),
-- and the transaction ID and multixact ages that pg_database shows for every database. A
-- database left invalid by an interrupted DROP DATABASE (datconnlimit -2) has nothing to size.
SELECT d.datname::text AS name,
       CASE WHEN d.datconnlimit <> -2
             AND (pg_catalog.has_database_privilege(d.oid, 'CONNECT')
                  OR pg_catalog.pg_has_role('pg_read_all_stats', 'MEMBER'))
            THEN pg_catalog.pg_database_size(d.oid) END AS bytes,
       pg_catalog.age(d.datfrozenxid)::int8 AS xid_age,
       pg_catalog.mxid_age(d.datminmxid)::int8 AS mxid_age
  FROM pg_catalog.pg_database d
 ORDER BY d.datname
