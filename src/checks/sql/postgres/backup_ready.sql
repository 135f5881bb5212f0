SELECT pg_catalog.count(*) AS ready,
       EXTRACT(epoch FROM pg_catalog.now() - pg_catalog.min(s.modification))::float8 AS oldest_ready_age
FROM pg_catalog.pg_ls_archive_statusdir() s
WHERE s.name LIKE '%.ready'
