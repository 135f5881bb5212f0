-- On a replica: the WAL receiver, if there is one (no row: the replica is not streaming, it
-- replays from an archive or nothing at all), whom it streams from and when it last heard from
-- its primary. conninfo is not read: it may hold a password.
SELECT w.pid::int8 AS pid,
       w.status,
       w.slot_name,
       w.sender_host,
       w.sender_port::int8 AS sender_port,
       extract(epoch FROM pg_catalog.clock_timestamp() - w.last_msg_receipt_time)::float8 AS last_message_age
  FROM pg_catalog.pg_stat_wal_receiver w
