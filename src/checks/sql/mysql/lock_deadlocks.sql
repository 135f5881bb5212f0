-- InnoDB's deadlock counter and the server's uptime: the counter counts from the start.
SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_deadlocks', 'Uptime')
