-- Sessions hidden from this role (and the role, for the GRANT that shows them; none for a role
-- that sees every session, a superuser or a member of pg_read_all_stats: a NULL backend_type
-- there is a backend still starting up under connection churn, not a secret); the session
-- holding back the xmin horizon the most; and the oldest holder of the horizon of any kind:
-- a session's snapshot or transaction, a prepared transaction, or a replication slot (a
-- standby with hot_standby_feedback holds it through its slot or its WAL sender's xmin).
-- Sessions are read once (a CTE named twice is materialised). Sessions, prepared transactions and
-- slots come from the functions under the pg_stat_activity, pg_prepared_xacts and
-- pg_replication_slots views (same rows, same privilege rules) without the views' joins to
-- pg_database and pg_authid, which nothing here shows: parsing and planning those joins cost a
-- fresh backend about 1 ms of this statement's 1.8 (bench/vs_check_postgres.sh).
WITH a AS (
  SELECT pid, backend_xmin, backend_xid, backend_type, usesysid, datid
    FROM pg_catalog.pg_stat_get_activity(NULL) WHERE pid <> pg_backend_pid()
), holders AS (
  SELECT 'pid ' || pid AS holder, age(backend_xmin)::int8 AS age FROM a WHERE backend_xmin IS NOT NULL
  UNION ALL
  SELECT 'pid ' || pid, age(backend_xid)::int8 FROM a WHERE backend_xid IS NOT NULL
  UNION ALL
  SELECT 'prepared transaction ' || quote_literal(gid), age(transaction)::int8 FROM pg_catalog.pg_prepared_xact()
  UNION ALL
  SELECT 'replication slot ' || quote_literal(slot_name), age(xmin)::int8
    FROM pg_catalog.pg_get_replication_slots() WHERE xmin IS NOT NULL
  UNION ALL
  SELECT 'replication slot ' || quote_literal(slot_name) || ' (catalog_xmin)', age(catalog_xmin)::int8
    FROM pg_catalog.pg_get_replication_slots() WHERE catalog_xmin IS NOT NULL
)
SELECT CASE WHEN pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') THEN 0
            ELSE (SELECT count(*) FROM a
                   WHERE backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL) END AS hidden,
       x.pid::int8, age(x.backend_xmin)::int8, current_user::text AS role,
       h.holder AS xmin_holder, h.age AS xmin_holder_age
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT pid, backend_xmin FROM a
                      WHERE backend_xmin IS NOT NULL
                      ORDER BY age(backend_xmin) DESC LIMIT 1) x ON true
  LEFT JOIN LATERAL (SELECT holder, age FROM holders ORDER BY age DESC LIMIT 1) h ON true
