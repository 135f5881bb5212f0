-- Tables that may hold migration history: in every schema but the catalogs, the tables with a
-- column a migration tool writes, with all their column names. The check recognises them by
-- name and columns; nothing here depends on a name the user typed. Only base tables whose
-- columns all have built-in types: a view, or a cast or operator on a type the database's owner
-- defined, would run the owner's code under the tool's role when read.
SELECT c.table_schema::text AS table_schema,
       c.table_name::text AS table_name,
       pg_catalog.string_agg(pg_catalog.lower(c.column_name::text), ',' ORDER BY c.ordinal_position) AS columns
  FROM information_schema.columns c
  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
 WHERE c.table_schema::text NOT IN ('pg_catalog', 'information_schema')
   AND t.table_type::text = 'BASE TABLE'
 GROUP BY c.table_schema, c.table_name
HAVING pg_catalog.bool_and(c.udt_schema::text = 'pg_catalog')
   AND pg_catalog.bool_or(pg_catalog.lower(c.column_name::text) IN (
         'version_num', 'version', 'installed_rank', 'orderexecuted', 'locked', 'applied',
         'migration_name', 'version_id', 'batch', 'is_locked', 'run_on', 'key', 'timestamp'))
 ORDER BY pg_catalog.lower(c.table_name::text) IN ('alembic_version', 'flyway_schema_history', 'databasechangelog', 'databasechangeloglock', 'schema_migrations', 'ar_internal_metadata', 'django_migrations', '_sqlx_migrations', '__diesel_schema_migrations', '_prisma_migrations', 'goose_db_version', 'knex_migrations', 'knex_migrations_lock', 'migrations', 'atlas_schema_revisions') DESC, 1, 2
 LIMIT 500
