SELECT pg_catalog.current_setting('archive_mode') AS archive_mode,
       pg_catalog.current_setting('archive_command') AS archive_command,
       pg_catalog.current_setting('archive_library', true) AS archive_library,
       pg_catalog.pg_is_in_recovery() AS in_recovery,
       a.archived_count,
       a.last_archived_wal,
       EXTRACT(epoch FROM pg_catalog.now() - a.last_archived_time)::float8 AS last_archived_age,
       a.failed_count,
       a.last_failed_wal,
       EXTRACT(epoch FROM pg_catalog.now() - a.last_failed_time)::float8 AS last_failed_age,
       (a.last_failed_time IS NOT NULL
        AND (a.last_archived_time IS NULL OR a.last_failed_time > a.last_archived_time)) AS failing,
       CURRENT_USER::text AS account
FROM pg_catalog.pg_stat_archiver a
