-- Every replication slot: whose it is (its type, plugin and database; the holder's pid and
-- client while active), how much WAL it keeps (bytes from its restart_lsn to this server's
-- position), wal_status and safe_wal_size (PostgreSQL 13+), and the xmin/catalog_xmin ages
-- that hold back VACUUM (the size check judges that horizon; here it is the slot's identity).
-- Columns that only some majors have are read through to_jsonb, NULL where the major has
-- none: inactive_since (18), invalidation_reason (17), conflicting (16). Slots and sessions come
-- from the functions under pg_replication_slots and pg_stat_activity (same rows and column
-- names, same privilege rules): a new backend parses and plans the views' joins.
WITH here AS (
  SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
              ELSE pg_catalog.pg_current_wal_lsn() END AS lsn
)
SELECT s.slot_name::text AS slot_name,
       s.slot_type,
       s.plugin::text AS plugin,
       (SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = s.datoid) AS database,
       s.temporary,
       s.active,
       s.active_pid::int8 AS active_pid,
       pg_catalog.host(a.client_addr) AS client,
       a.application_name,
       (here.lsn - s.restart_lsn)::int8 AS retained,
       s.wal_status,
       s.safe_wal_size::int8 AS safe_wal_size,
       pg_catalog.age(s.xmin)::int8 AS xmin_age,
       pg_catalog.age(s.catalog_xmin)::int8 AS catalog_xmin_age,
       (here.lsn - s.confirmed_flush_lsn)::int8 AS unconfirmed,
       extract(epoch FROM pg_catalog.clock_timestamp()
                          - (pg_catalog.to_jsonb(s) ->> 'inactive_since')::timestamptz)::float8 AS inactive_for,
       pg_catalog.to_jsonb(s) ->> 'invalidation_reason' AS invalidation_reason
  FROM pg_catalog.pg_get_replication_slots() s
  CROSS JOIN here
  LEFT JOIN pg_catalog.pg_stat_get_activity(NULL) a ON a.pid = s.active_pid
 ORDER BY s.slot_name
