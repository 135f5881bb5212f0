-- Evidence: the sessions waiting directly on it.
SELECT row_to_json(a)::text AS row FROM pg_stat_activity a WHERE $1 = ANY (pg_blocking_pids(a.pid))
