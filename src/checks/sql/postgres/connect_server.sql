-- When the server started (a restart, a crash or a failover shows here) and whether it is a
-- standby in recovery.
SELECT extract(epoch FROM pg_catalog.now() - pg_catalog.pg_postmaster_start_time())::float8 AS uptime_s,
       pg_catalog.to_char(pg_catalog.pg_postmaster_start_time() AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS started_at,
       pg_catalog.pg_is_in_recovery() AS in_recovery
