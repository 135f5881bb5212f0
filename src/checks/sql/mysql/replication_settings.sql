-- The settings replication depends on, as name/value rows so one statement serves MariaDB and
-- MySQL (each has only some of them): binary logging and its retention, GTID state, read_only,
-- and semi-synchronous replication under both vocabularies (master/slave, source/replica).
SHOW GLOBAL VARIABLES WHERE Variable_name IN (
  'server_id', 'log_bin', 'binlog_format', 'read_only',
  'binlog_expire_logs_seconds', 'expire_logs_days',
  'gtid_binlog_pos', 'gtid_slave_pos', 'gtid_mode', 'gtid_executed',
  'rpl_semi_sync_master_enabled', 'rpl_semi_sync_source_enabled',
  'rpl_semi_sync_slave_enabled', 'rpl_semi_sync_replica_enabled')
