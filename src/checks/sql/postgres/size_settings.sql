-- What the size check measures against: the connected database, the ages at which autovacuum
-- forces an anti-wraparound vacuum, the page size, the role, and the server's clock (the
-- second snapshot of --interval divides by the time between the two). And whether any table
-- or index reaches $1 bytes (--bloat-min-size): only then is the bloat estimate asked for, in
-- a second round trip, since planning it over pg_stats costs a new connection more than the
-- rest of the check (a fleet of small databases pays it per target).
SELECT pg_catalog.current_database()::text AS database,
       pg_catalog.current_setting('autovacuum_freeze_max_age')::int8 AS freeze_max_age,
       pg_catalog.current_setting('autovacuum_multixact_freeze_max_age')::int8 AS mxid_freeze_max_age,
       pg_catalog.current_setting('block_size')::int8 AS block_size,
       current_user::text AS role,
       pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())::float8 AS taken_at,
       EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                WHERE c.relkind IN ('r', 'm', 'i')
                  AND c.relpages::int8 * pg_catalog.current_setting('block_size')::int8 >= $1) AS any_big
