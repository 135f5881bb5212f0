-- Evidence: the thread's row of the process list, whole.
SELECT * FROM information_schema.PROCESSLIST WHERE ID = ?
