-- Every WAL sender of this server (its replicas, and pg_basebackup or pg_receivewal while they
-- stream), with how far each is behind in bytes against this server's own position (the
-- current WAL on a primary, the replayed WAL on a cascading replica) and in time as the
-- replica last reported it. Without pg_monitor another role's senders show no state or
-- positions. pg_stat_replication and pg_replication_slots are read through the functions
-- under them (same rows, same privilege rules): a new backend parses and plans the views' joins.
WITH here AS (
  SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
              ELSE pg_catalog.pg_current_wal_lsn() END AS lsn
)
SELECT r.pid::int8 AS pid,
       r.application_name,
       pg_catalog.host(r.client_addr) AS client,
       r.state,
       r.sync_state,
       (here.lsn - r.sent_lsn)::int8 AS sent_behind,
       (here.lsn - r.write_lsn)::int8 AS write_behind,
       (here.lsn - r.flush_lsn)::int8 AS flush_behind,
       (here.lsn - r.replay_lsn)::int8 AS replay_behind,
       extract(epoch FROM r.write_lag)::float8 AS write_lag,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag,
       s.slot_name::text AS slot_name
  FROM (SELECT a.pid, a.application_name, a.client_addr, w.state, w.sent_lsn, w.write_lsn,
               w.flush_lsn, w.replay_lsn, w.write_lag, w.flush_lag, w.replay_lag, w.sync_state
          FROM pg_catalog.pg_stat_get_wal_senders() w
          JOIN pg_catalog.pg_stat_get_activity(NULL) a ON a.pid = w.pid) r
  CROSS JOIN here
  LEFT JOIN pg_catalog.pg_get_replication_slots() s ON s.active_pid = r.pid
 ORDER BY r.application_name, r.pid
