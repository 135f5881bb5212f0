-- Uptime, replication threads (MariaDB's Slaves_running) and the connection error counters
-- since start (MariaDB also counts the attempts abandoned before authentication apart).
SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime', 'Aborted_clients', 'Aborted_connects',
                                           'Aborted_connects_preauth', 'Slaves_running')
   OR Variable_name LIKE 'Connection\_errors\_%'
