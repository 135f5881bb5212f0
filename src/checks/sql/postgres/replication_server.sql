-- This server's side of replication, one row: primary or replica, the WAL positions it knows
-- (as bytes since 0/0, so the check subtracts plain numbers), the settings that decide how
-- much WAL slots may hold and which standbys commits wait for, and on a replica what replay
-- is doing. Replica-only functions are called under CASE, which PostgreSQL does not evaluate
-- ahead of time for volatile functions: pg_is_wal_replay_paused() raises an error on a primary.
SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
       extract(epoch FROM pg_catalog.clock_timestamp())::float8 AS taken_at,
       CASE WHEN NOT pg_catalog.pg_is_in_recovery()
            THEN (pg_catalog.pg_current_wal_lsn() - '0/0'::pg_lsn)::int8 END AS current_lsn,
       (pg_catalog.pg_last_wal_receive_lsn() - '0/0'::pg_lsn)::int8 AS receive_lsn,
       (pg_catalog.pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8 AS replay_lsn,
       extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.pg_last_xact_replay_timestamp())::float8
         AS last_replay_age,
       CASE WHEN pg_catalog.pg_is_in_recovery()
            THEN pg_catalog.pg_get_wal_replay_pause_state() END AS pause_state,
       pg_catalog.current_setting('synchronous_standby_names') AS synchronous_standby_names,
       pg_catalog.pg_size_bytes(pg_catalog.current_setting('max_slot_wal_keep_size'))::int8 AS max_slot_wal_keep_size,
       pg_catalog.current_setting('hot_standby_feedback') AS hot_standby_feedback,
       pg_catalog.current_setting('max_standby_streaming_delay') AS max_standby_streaming_delay,
       pg_catalog.pg_has_role('pg_monitor', 'USAGE') AS monitor,
       current_user::text AS role
