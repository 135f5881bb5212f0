-- Tables of the connected schema (every schema with the first ? = 1, --databases all, or when
-- the URL names no database) of at least ? bytes on disk (data, indexes and free space) with
-- the most DATA_FREE:
-- space a rebuild (OPTIMIZE TABLE, ALTER TABLE ... FORCE) could give back, 200 at most.
SELECT TABLE_SCHEMA AS `schema`, TABLE_NAME AS name, ENGINE AS engine,
       CAST(DATA_LENGTH + INDEX_LENGTH + DATA_FREE AS SIGNED) AS bytes,
       CAST(DATA_FREE AS SIGNED) AS free_bytes
  FROM information_schema.TABLES
 WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
   AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema')
   AND (? = 1 OR DATABASE() IS NULL OR TABLE_SCHEMA = DATABASE())
   AND DATA_LENGTH + INDEX_LENGTH + DATA_FREE >= ?
   AND DATA_FREE > 0
 ORDER BY DATA_FREE DESC, TABLE_SCHEMA, TABLE_NAME
 LIMIT 200
