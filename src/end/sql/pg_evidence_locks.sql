-- Evidence: every lock the session holds or waits for.
SELECT row_to_json(l)::text AS row FROM pg_locks l WHERE l.pid = $1
