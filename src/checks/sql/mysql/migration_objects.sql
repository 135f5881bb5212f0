-- Which of the tables, columns and indexes the deploy's migration files create exist already
-- (MySQL/MariaDB: DDL commits statement by statement, so a failed migration leaves its first
-- statements' objects behind). The markers are lists of string literals the check quotes from
-- names read in the migration files; each branch is filtered on this database and on those
-- names, so information_schema opens only the tables named.
SELECT 'table' AS kind, CAST(TABLE_NAME AS CHAR) AS table_name, CAST(TABLE_NAME AS CHAR) AS name
  FROM information_schema.TABLES
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({tables})
UNION ALL
SELECT 'column', CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR)
  FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({column_tables}) AND (TABLE_NAME, COLUMN_NAME) IN ({columns})
UNION ALL
SELECT DISTINCT 'index', CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR)
  FROM information_schema.STATISTICS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({index_tables}) AND (TABLE_NAME, INDEX_NAME) IN ({indexes})
 LIMIT 5000
