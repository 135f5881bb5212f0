-- The largest tables (the last ? of them) of the connected schema, or of every schema with the
-- first ? = 1 (--databases all) or when the URL names no database: data, indexes, DATA_FREE,
-- the engine and its row estimate.
-- MySQL 8 caches these columns for information_schema_stats_expiry (24 h by default), so its
-- figures may be a day old; not verified here, as no MySQL 8 server installs on this project's
-- machines. MariaDB reads them from the engine's current statistics.
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS name,
       CAST(DATA_LENGTH + INDEX_LENGTH AS SIGNED) AS total_bytes,
       CAST(DATA_LENGTH AS SIGNED) AS data_bytes,
       CAST(INDEX_LENGTH AS SIGNED) AS index_bytes,
       CAST(DATA_FREE AS SIGNED) AS free_bytes,
       TABLE_ROWS AS est_rows,
       ENGINE AS engine
  FROM information_schema.TABLES
 WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
   AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema')
   AND (? = 1 OR DATABASE() IS NULL OR TABLE_SCHEMA = DATABASE())
 ORDER BY DATA_LENGTH + INDEX_LENGTH DESC, TABLE_SCHEMA, TABLE_NAME
 LIMIT ?
