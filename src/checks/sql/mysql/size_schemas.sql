-- The connected schema's tables (every schema's with ? = 1, --databases all, or when the URL
-- names no database), summed: data, indexes, and DATA_FREE (allocated but unused space that
-- a rebuild could give back). InnoDB's figures are estimates from its statistics. Only the
-- tables this account holds a privilege on are listed.
SELECT TABLE_SCHEMA AS name,
       CAST(SUM(DATA_LENGTH + INDEX_LENGTH) AS SIGNED) AS bytes,
       CAST(SUM(DATA_FREE) AS SIGNED) AS free_bytes,
       COUNT(*) AS tables,
       UNIX_TIMESTAMP(NOW(6)) AS taken_at
  FROM information_schema.TABLES
 WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
   AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema')
   AND (? = 1 OR DATABASE() IS NULL OR TABLE_SCHEMA = DATABASE())
 GROUP BY TABLE_SCHEMA
 ORDER BY TABLE_SCHEMA
