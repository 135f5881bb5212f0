-- Connection limits and usage. Client backends only (autovacuum, WAL senders and other
-- background processes have their own slots); the tool's own session is left out.
SELECT current_setting('max_connections')::int8 AS max_connections,
       current_setting('superuser_reserved_connections')::int8
         + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int8 AS reserved,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()) AS used,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
           AND wait_event_type = 'Lock') AS lock_waiting,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
           AND state IS NULL) AS hidden
