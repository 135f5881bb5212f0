-- Which server this is, for a role that may not read pg_control: its start time and port. The
-- start time as epoch microseconds, not text: text follows the session's TimeZone, which a role
-- or database setting can change, and the same server must not look like two.
SELECT NULL::text AS system_identifier,
       (EXTRACT(epoch FROM pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint::text AS started,
       pg_catalog.current_setting('port') AS port,
       pg_catalog.current_database()::text AS database
