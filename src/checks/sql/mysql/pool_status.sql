-- Connection counters since server start.
SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running',
  'Max_used_connections', 'Connection_errors_max_connections', 'Aborted_connects')
