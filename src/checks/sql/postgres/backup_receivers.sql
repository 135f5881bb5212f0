SELECT r.application_name,
       r.state,
       pg_catalog.host(r.client_addr) AS client
FROM pg_catalog.pg_stat_replication r
WHERE r.application_name IN ('pg_receivewal', 'pg_basebackup', 'barman_receive_wal')
   OR r.application_name LIKE 'barman%'
ORDER BY r.application_name
