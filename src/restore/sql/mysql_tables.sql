-- Every base table of the session's database, with InnoDB's row estimate and its size.
SELECT TABLE_SCHEMA AS `schema`,
       TABLE_NAME AS name,
       CAST(COALESCE(TABLE_ROWS, -1) AS SIGNED) AS estimate,
       CAST(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS SIGNED) AS bytes
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE()
  AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME
