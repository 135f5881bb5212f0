-- What holds the xmin horizon back, oldest first: VACUUM cannot freeze rows younger than it,
-- so it caps how far any vacuum can lower age(datfrozenxid). A session's snapshot or
-- transaction (autovacuum, replication and backup sessions among them are never to be ended), a
-- prepared transaction, or a replication slot's xmin or catalog_xmin. Without pg_monitor,
-- other roles' sessions show no xmin here. A session's reference is what `dbrunbook end` takes.
-- Sessions, prepared transactions and slots come from the functions under pg_stat_activity,
-- pg_prepared_xacts and pg_replication_slots (same rows, same privilege rules), names looked up
-- only here: a new backend parses and plans the views' joins.
WITH holders AS (
  SELECT 'session'::text AS kind, a.pid::int8 AS pid, NULL::text AS name,
         a.backend_type::text AS backend_type, pg_catalog.pg_get_userbyid(a.usesysid)::text AS role,
         (SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = a.datid) AS database,
         greatest(pg_catalog.age(a.backend_xmin), pg_catalog.age(a.backend_xid))::int8 AS age,
         a.application_name::text AS application, pg_catalog.left(a.query, 200) AS query,
         'pg:' || a.pid || '@' || pg_catalog.to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
           || coalesce('/' || pg_catalog.to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '')
           AS session_ref
    FROM pg_catalog.pg_stat_get_activity(NULL) a
   WHERE (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL)
     AND a.pid <> pg_catalog.pg_backend_pid()
  UNION ALL
  SELECT 'prepared', NULL, p.gid, NULL, pg_catalog.pg_get_userbyid(p.ownerid)::text,
         (SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = p.dbid), pg_catalog.age(p.transaction)::int8,
         NULL, NULL, NULL
    FROM pg_catalog.pg_prepared_xact() p
  UNION ALL
  SELECT 'slot', s.active_pid::int8, s.slot_name::text, s.slot_type, NULL,
         (SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = s.datoid),
         greatest(pg_catalog.age(s.xmin), pg_catalog.age(s.catalog_xmin))::int8, NULL, NULL, NULL
    FROM pg_catalog.pg_get_replication_slots() s
   WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL
)
SELECT kind, pid, name, backend_type, role, database, age, application, query, session_ref
  FROM holders
 ORDER BY age DESC
 LIMIT 5
