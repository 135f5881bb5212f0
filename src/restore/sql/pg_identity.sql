-- Which server this is: the cluster's system identifier (shared by a primary, its physical
-- standbys and clusters cloned from one base backup), when this role may read pg_control.
SELECT (SELECT s.system_identifier::text FROM pg_catalog.pg_control_system() s) AS system_identifier,
       (EXTRACT(epoch FROM pg_catalog.pg_postmaster_start_time()) * 1000000)::bigint::text AS started,
       pg_catalog.current_setting('port') AS port,
       pg_catalog.current_database()::text AS database
