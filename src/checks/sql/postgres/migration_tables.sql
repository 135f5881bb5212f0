-- Tables that may hold migration history: in every schema but the catalogs, the tables with a
-- column a migration tool writes (or sequelize-cli's SequelizeMeta, whose one column is `name`),
-- with all their column names. The check recognises them by
-- name and columns; nothing here depends on a name the user typed. Only base tables whose
-- columns all have built-in types (a domain's base type counts): a view, or a cast or operator
-- on a type the database's owner defined, would run the owner's code under the tool's role when
-- read. Straight from pg_class and pg_attribute, with the column visibility
-- information_schema.columns applies (owner, or any column privilege; no temporary tables, not
-- even this session's, which a pooler's server session may hold for another client), and not through that
-- view: planning it took most of this check's time on a new connection, which a fleet of
-- targets pays once per target.
SELECT n.nspname::text AS table_schema,
       c.relname::text AS table_name,
       pg_catalog.string_agg(pg_catalog.lower(a.attname::text), ',' ORDER BY a.attnum) AS columns
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_type bt ON ty.typtype = 'd' AND bt.oid = ty.typbasetype
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND c.relpersistence <> 't'
   AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
   AND (pg_catalog.pg_has_role(c.relowner, 'USAGE')
        OR pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))
 GROUP BY n.nspname, c.relname
HAVING pg_catalog.bool_and(COALESCE(bt.typnamespace, ty.typnamespace) = 'pg_catalog'::pg_catalog.regnamespace)
   AND (pg_catalog.bool_or(pg_catalog.lower(a.attname::text) IN (
         'version_num', 'version', 'installed_rank', 'orderexecuted', 'locked', 'applied',
         'migration_name', 'version_id', 'batch', 'is_locked', 'run_on', 'key', 'timestamp', 'migration_id'))
        OR pg_catalog.lower(c.relname::text) = 'sequelizemeta')
 ORDER BY pg_catalog.lower(c.relname::text) IN ('alembic_version', 'flyway_schema_history', 'databasechangelog', 'databasechangeloglock', 'schema_migrations', 'ar_internal_metadata', 'django_migrations', '_sqlx_migrations', '__diesel_schema_migrations', '_prisma_migrations', 'goose_db_version', 'knex_migrations', 'knex_migrations_lock', 'migrations', 'atlas_schema_revisions', 'pgmigrations', 'sequelizemeta', '_yoyo_migration', 'yoyo_lock') DESC, 1, 2
 LIMIT 500
