-- Over every digest: how many there are, how many average at least ? (warning) and ?
-- (critical) milliseconds, the highest mean, and since when they count (performance_schema keeps no reset time).
-- Catalog reads, SHOW and SET are left out: this tool's own statements (a digest drops the
-- comments that could mark them) and other monitors', never an application's costly statement.
SELECT COUNT(*) AS statements,
       SUM(AVG_TIMER_WAIT / 1000000000 >= ?) AS over_warning,
       SUM(AVG_TIMER_WAIT / 1000000000 >= ?) AS over_critical,
       MAX(AVG_TIMER_WAIT) / 1000000000 AS worst_mean_ms,
       DATE_FORMAT(MIN(FIRST_SEEN), '%Y-%m-%dT%H:%i:%s') AS counting_since,
       TIMESTAMPDIFF(SECOND, MIN(FIRST_SEEN), NOW()) AS window_seconds
  FROM performance_schema.events_statements_summary_by_digest
 WHERE NOT (COALESCE(DIGEST_TEXT, '') REGEXP 'performance_schema|information_schema|^(SHOW|SET) |@@')
