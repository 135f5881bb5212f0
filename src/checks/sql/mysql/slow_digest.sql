-- Statement digests, ordered server-side by ? (0 total time, 1 mean time, 2 calls) and cut to
-- ? rows, with the normalised text cut to ? characters. The timers count picoseconds; times
-- here are milliseconds. The row with a NULL digest sums the statements that found the table
-- full. Catalog reads, SHOW and SET are left out, as in slow_digest_summary.sql: this tool's own
-- statements among them.
SELECT COALESCE(SCHEMA_NAME, '') AS `database`,
       COALESCE(DIGEST, '') AS digest,
       COUNT_STAR AS calls,
       SUM_TIMER_WAIT / 1000000000 AS total_ms,
       SUM_ROWS_SENT + SUM_ROWS_AFFECTED AS `rows`,
       SUM_ROWS_EXAMINED AS rows_examined,
       SUM_CREATED_TMP_DISK_TABLES AS tmp_disk_tables,
       SUM_NO_INDEX_USED AS no_index_used,
       LEFT(COALESCE(DIGEST_TEXT, '<other statements: the digest table is full>'), ?) AS query,
       CHAR_LENGTH(DIGEST_TEXT) AS query_length,
       DATE_FORMAT(FIRST_SEEN, '%Y-%m-%dT%H:%i:%s') AS first_seen
  FROM performance_schema.events_statements_summary_by_digest
 WHERE NOT (COALESCE(DIGEST_TEXT, '') REGEXP 'performance_schema|information_schema|^(SHOW|SET) |@@')
 ORDER BY CASE ? WHEN 1 THEN AVG_TIMER_WAIT WHEN 2 THEN COUNT_STAR ELSE SUM_TIMER_WAIT END DESC
 LIMIT ?
