-- Connection limits and usage. Client backends only (autovacuum, WAL senders and other
-- background processes have their own slots); the tool's own session is left out. A role
-- without pg_monitor sees other roles' sessions with NULL backend_type and state: those with a
-- user and a database are client sessions too.
SELECT current_setting('max_connections')::int8 AS max_connections,
       current_setting('superuser_reserved_connections')::int8
         + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int8 AS reserved,
       (SELECT count(*) FROM pg_stat_activity
         WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()) AS used,
       (SELECT count(*) FROM pg_stat_activity
         WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()
           AND wait_event_type = 'Lock') AS lock_waiting,
       (SELECT count(*) FROM pg_stat_activity
         WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))
           AND pid <> pg_backend_pid()
           AND backend_type IS NULL) AS hidden,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
           AND state LIKE 'idle in transaction%') AS idle_in_transaction
