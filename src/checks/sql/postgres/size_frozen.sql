-- The tables of the connected database whose oldest unfrozen transaction ID is oldest (their
-- TOAST table counted with them, since VACUUM of a table vacuums its TOAST too): the ones an
-- anti-wraparound VACUUM must freeze first. $1 of them; only those are measured on disk.
WITH oldest AS (
  SELECT c.oid, c.relnamespace, c.relname, c.relpages,
         greatest(pg_catalog.age(c.relfrozenxid), pg_catalog.age(t.relfrozenxid))::int8 AS xid_age,
         greatest(pg_catalog.mxid_age(c.relminmxid), pg_catalog.mxid_age(t.relminmxid))::int8 AS mxid_age
    FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
   WHERE c.relkind IN ('r', 'm')
   ORDER BY xid_age DESC
   LIMIT $1
)
-- A table under an AccessExclusiveLock, held or queued, is not measured (pg_total_relation_size
-- would queue behind the lock): pg_class's page count stands in, read without locking it.
SELECT n.nspname::text AS schema, o.relname::text AS name, o.xid_age, o.mxid_age,
       CASE WHEN NOT EXISTS (
              SELECT 1 FROM pg_catalog.pg_locks l
               WHERE l.locktype = 'relation' AND l.relation = o.oid AND l.mode = 'AccessExclusiveLock'
                 AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                                    WHERE d.datname = pg_catalog.current_database()))
            THEN pg_catalog.pg_total_relation_size(o.oid)
            ELSE o.relpages::int8 * pg_catalog.current_setting('block_size')::int8 END::int8 AS total_bytes
  FROM oldest o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.relnamespace
 ORDER BY o.xid_age DESC, 1, 2
