-- The slow log table (log_output includes TABLE), grouped by statement text: ordered
-- server-side by ? (0 total time, 1 mean time, 2 calls), cut to ? groups, texts cut to ?
-- characters. The texts are as sent, not normalised. Times in milliseconds.
SELECT COALESCE(db, '') AS `database`,
       MD5(sql_text) AS digest,
       COUNT(*) AS calls,
       SUM(TIME_TO_SEC(query_time)) * 1000 AS total_ms,
       SUM(rows_sent) AS `rows`,
       SUM(rows_examined) AS rows_examined,
       LEFT(MIN(sql_text), ?) AS query,
       MAX(CHAR_LENGTH(sql_text)) AS query_length,
       DATE_FORMAT(MIN(start_time), '%Y-%m-%dT%H:%i:%s') AS first_seen
  FROM mysql.slow_log
 GROUP BY db, MD5(sql_text)
 ORDER BY CASE ? WHEN 1 THEN SUM(TIME_TO_SEC(query_time)) / COUNT(*) WHEN 2 THEN COUNT(*)
          ELSE SUM(TIME_TO_SEC(query_time)) END DESC
 LIMIT ?
