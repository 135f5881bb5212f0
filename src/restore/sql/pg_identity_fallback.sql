-- Which server this is, for a role that may not read pg_control: its start time and port.
SELECT NULL::text AS system_identifier,
       pg_catalog.pg_postmaster_start_time()::text AS started,
       pg_catalog.current_setting('port') AS port,
       pg_catalog.current_database()::text AS database
