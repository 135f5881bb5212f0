-- Evidence: the session's row of pg_stat_activity, whole.
SELECT row_to_json(a)::text AS row FROM pg_stat_activity a WHERE a.pid = $1
