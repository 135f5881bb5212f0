-- Every database's transaction ID and multixact ages, which pg_database shows for every
-- database whatever this role may connect to. Cheap, and kept apart from the sizes (which
-- read every file of every database) so that a slow size cannot hide a wraparound risk.
SELECT d.datname::text AS name,
       pg_catalog.age(d.datfrozenxid)::int8 AS xid_age,
       pg_catalog.mxid_age(d.datminmxid)::int8 AS mxid_age
  FROM pg_catalog.pg_database d
 ORDER BY d.datname
