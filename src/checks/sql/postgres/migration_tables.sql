-- Tables that may hold migration history: in every schema but the catalogs, the tables with a
-- column a migration tool writes, with all their column names. The check recognises them by
-- name and columns; nothing here depends on a name the user typed.
SELECT c.table_schema::text AS table_schema,
       c.table_name::text AS table_name,
       pg_catalog.string_agg(pg_catalog.lower(c.column_name::text), ',' ORDER BY c.ordinal_position) AS columns
  FROM information_schema.columns c
 WHERE c.table_schema::text NOT IN ('pg_catalog', 'information_schema')
 GROUP BY c.table_schema, c.table_name
HAVING pg_catalog.bool_or(pg_catalog.lower(c.column_name::text) IN (
         'version_num', 'version', 'installed_rank', 'orderexecuted', 'locked', 'applied',
         'migration_name', 'version_id', 'batch', 'is_locked', 'run_on', 'key'))
 ORDER BY pg_catalog.lower(c.table_name::text) IN ('alembic_version', 'flyway_schema_history', 'databasechangelog', 'databasechangeloglock', 'schema_migrations', 'ar_internal_metadata', 'django_migrations', '_sqlx_migrations', '__diesel_schema_migrations', '_prisma_migrations', 'goose_db_version', 'knex_migrations', 'knex_migrations_lock') DESC, 1, 2
 LIMIT 500
