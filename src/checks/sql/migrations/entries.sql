-- The newest entries of one history table, newest first, at most {limit} rows: enough to show
-- the last few and to compare with a migrations directory, never the whole history.
SELECT CAST({revision} AS {text}) AS revision,
       CAST({description} AS {text}) AS description,
       CAST({applied_at} AS {text}) AS applied_at,
       CAST({kind} AS {text}) AS kind,
       CASE WHEN {applied} THEN 1 ELSE 0 END AS applied,
       CASE WHEN {broken} THEN 1 ELSE 0 END AS broken,
       CAST({checksum} AS {text}) AS checksum
  FROM {table}
 ORDER BY {order} DESC
 LIMIT {limit}
