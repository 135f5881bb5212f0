-- Uptime, replication threads (MariaDB's Slaves_running) and the connection error counters
-- since start.
SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', 'Aborted_clients', 'Aborted_connects', 'Slaves_running')
   OR Variable_name LIKE 'Connection\_errors\_%'
