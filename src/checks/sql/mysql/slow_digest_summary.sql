-- Over every digest: how many there are, how many average at least ? (warning) and ?
-- (critical) milliseconds, the highest mean, and since when they count (performance_schema keeps no reset time).
SELECT COUNT(*) AS statements,
       SUM(AVG_TIMER_WAIT / 1000000000 >= ?) AS over_warning,
       SUM(AVG_TIMER_WAIT / 1000000000 >= ?) AS over_critical,
       MAX(AVG_TIMER_WAIT) / 1000000000 AS worst_mean_ms,
       DATE_FORMAT(MIN(FIRST_SEEN), '%Y-%m-%dT%H:%i:%s') AS counting_since
  FROM performance_schema.events_statements_summary_by_digest
