-- Connection limits and usage, from one scan of pg_stat_activity. Client backends only
-- (autovacuum, WAL senders and other background processes have their own slots); the tool's
-- own session is left out. A role without pg_monitor sees other roles' sessions with NULL
-- backend_type and state: those with a user and a database are client sessions too. A role
-- that sees every session (a superuser, pg_read_all_stats or pg_monitor) has nothing hidden: a
-- NULL backend_type there is a backend still starting up (connection churn), not a secret.
-- Sessions are read from pg_stat_get_activity(NULL), the function under the pg_stat_activity view
-- (same rows, same privilege rules), with names looked up only where shown: planning the view's
-- joins cost a fresh backend 0.1-0.5 ms per statement (bench/vs_check_postgres.sh).
SELECT current_setting('max_connections')::int8 AS max_connections,
       current_setting('superuser_reserved_connections')::int8
         + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int8 AS reserved,
       count(*) FILTER (WHERE client) AS used,
       count(*) FILTER (WHERE client AND wait_event_type = 'Lock') AS lock_waiting,
       CASE WHEN pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') THEN 0
            ELSE count(*) FILTER (WHERE client AND backend_type IS NULL) END AS hidden,
       count(*) FILTER (WHERE backend_type = 'client backend'
                          AND state LIKE 'idle in transaction%') AS idle_in_transaction,
       current_user::text AS role
  FROM (SELECT backend_type, wait_event_type, state,
               backend_type = 'client backend'
                 OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL) AS client
          FROM pg_catalog.pg_stat_get_activity(NULL)
         WHERE pid <> pg_backend_pid()) s
