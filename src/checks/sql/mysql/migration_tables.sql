-- Tables that may hold migration history, in the current database: every column of the base
-- tables named like one (each known tool's history and lock tables, `*migration*`,
-- `*changelog*`, `schema_version`, and the `--table` name), one row per column; the check
-- groups them and recognises the tools by name and columns. {known} and {wanted} are string
-- literals the check quotes (the tools' table names; the `--table` name or NULL).
-- Shaped for MariaDB's information_schema: reading COLUMNS materialises it into an on-disk Aria
-- temporary table (its LONGTEXT columns), so the query reads it once, filtered by a semi-join on
-- TABLES (no LONGTEXT: an in-memory table), with no JOIN, GROUP BY, GROUP_CONCAT or ORDER BY
-- that would each add temporary tables: one on-disk temporary table per run instead of fifteen
-- (measured with Created_tmp_disk_tables on MariaDB 10.11), the place where the server crashed
-- under load (ha_maria::drop_table from free_tmp_table).
SELECT CAST(c.TABLE_SCHEMA AS CHAR) AS table_schema,
       CAST(c.TABLE_NAME AS CHAR) AS table_name,
       CAST(LOWER(c.COLUMN_NAME) AS CHAR) AS column_name,
       CAST(c.ORDINAL_POSITION AS SIGNED) AS position
  FROM information_schema.COLUMNS c
 WHERE c.TABLE_SCHEMA = DATABASE()
   AND c.TABLE_NAME IN (
         SELECT t.TABLE_NAME
           FROM information_schema.TABLES t
          WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
            AND (LOWER(t.TABLE_NAME) IN ({known})
                 OR LOWER(t.TABLE_NAME) LIKE '%migration%'
                 OR LOWER(t.TABLE_NAME) LIKE '%changelog%'
                 OR LOWER(t.TABLE_NAME) = 'schema_version'
                 OR t.TABLE_NAME = {wanted}))
 LIMIT 5000
