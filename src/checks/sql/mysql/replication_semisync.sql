-- Semi-synchronous replication as it runs now: whether the primary still waits for a replica's
-- acknowledgement (status OFF while enabled: it fell back to asynchronous) and how many replicas
-- acknowledge. No rows where the feature is not loaded.
SHOW GLOBAL STATUS WHERE Variable_name IN (
  'Rpl_semi_sync_master_status', 'Rpl_semi_sync_source_status',
  'Rpl_semi_sync_master_clients', 'Rpl_semi_sync_source_clients',
  'Rpl_semi_sync_master_no_tx', 'Rpl_semi_sync_source_no_tx',
  'Rpl_semi_sync_slave_status', 'Rpl_semi_sync_replica_status')
