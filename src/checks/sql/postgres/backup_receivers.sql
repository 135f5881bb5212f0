-- WAL receivers streaming from this server (pg_receivewal, pg_basebackup, Barman), from the
-- functions under pg_stat_replication (same rows, same privilege rules) without its joins.
SELECT r.application_name,
       r.state,
       pg_catalog.host(r.client_addr) AS client
FROM (SELECT a.application_name, a.client_addr, w.state
        FROM pg_catalog.pg_stat_get_wal_senders() w
        JOIN pg_catalog.pg_stat_get_activity(NULL) a ON a.pid = w.pid) r
WHERE r.application_name IN ('pg_receivewal', 'pg_basebackup', 'barman_receive_wal')
   OR r.application_name LIKE 'barman%'
ORDER BY r.application_name
