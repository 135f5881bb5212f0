-- MySQL 8 only (not MariaDB): super_read_only, and whether a replication channel is running.
-- MySQL 8 cannot be installed where this project is tested: this query is not run by the tests.
SELECT @@GLOBAL.super_read_only AS super_read_only,
       (SELECT COUNT(*) FROM performance_schema.replication_connection_status
         WHERE SERVICE_STATE = 'ON') AS replicas_running
