-- The client sessions connected now, for matching a migration lock's holder (Liquibase's
-- LOCKEDBY is "hostname (address)") against them: address, host name (with log_hostname),
-- whether it is working (a statement running or a transaction open), and whether this role sees
-- other roles' addresses at all (superuser or pg_read_all_stats). Bounded: a holder is among
-- the first thousand sessions or the server is busier than any lock question.
SELECT pg_catalog.host(a.client_addr) AS client_addr,
       a.client_hostname::text AS client_hostname,
       (a.state IS DISTINCT FROM 'idle')::int AS working,
       ((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
         OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER'))::int AS sees_all
  FROM pg_catalog.pg_stat_activity a
 WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
 LIMIT 1000
