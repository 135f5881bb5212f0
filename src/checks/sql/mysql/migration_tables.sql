-- Tables that may hold migration history: in the current database, the tables with a column a
-- migration tool writes (or sequelize-cli's SequelizeMeta, whose one column is `name`), with all their column names. The check recognises them by name and
-- columns; nothing here depends on a name the user typed.
SELECT CAST(c.TABLE_SCHEMA AS CHAR) AS table_schema,
       CAST(c.TABLE_NAME AS CHAR) AS table_name,
       CAST(GROUP_CONCAT(LOWER(c.COLUMN_NAME) ORDER BY c.ORDINAL_POSITION SEPARATOR ',') AS CHAR) AS columns
  FROM information_schema.COLUMNS c
  JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
 WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
 GROUP BY c.TABLE_SCHEMA, c.TABLE_NAME
HAVING SUM(LOWER(c.COLUMN_NAME) IN (
         'version_num', 'version', 'installed_rank', 'orderexecuted', 'locked', 'applied',
         'migration_name', 'version_id', 'batch', 'is_locked', 'run_on', 'key', 'timestamp', 'migration_id')) > 0
     OR LOWER(c.TABLE_NAME) = 'sequelizemeta'
 ORDER BY LOWER(c.TABLE_NAME) IN ('alembic_version', 'flyway_schema_history', 'databasechangelog', 'databasechangeloglock', 'schema_migrations', 'ar_internal_metadata', 'django_migrations', '_sqlx_migrations', '__diesel_schema_migrations', '_prisma_migrations', 'goose_db_version', 'knex_migrations', 'knex_migrations_lock', 'migrations', 'atlas_schema_revisions', 'pgmigrations', 'sequelizemeta', '_yoyo_migration', 'yoyo_lock') DESC, 1, 2
 LIMIT 500
