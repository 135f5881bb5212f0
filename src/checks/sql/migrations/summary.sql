-- One history table in one row: how many entries count as applied, the newest of them, and the
-- first broken one (dirty, failed, unfinished) with what the tool recorded about it. Aggregates
-- and single-row lookups only, so a history of 100,000 rows costs one scan at most.
-- {table} is the history table (quoted by the check); the other markers are the framework's
-- own column expressions and the dialect's type names.
SELECT (SELECT count(*) FROM {table} WHERE {applied}) AS applied,
       (SELECT count(*) FROM {table} WHERE {broken}) AS broken,
       (SELECT CAST({revision} AS {text}) FROM {table} WHERE {broken} ORDER BY {order} LIMIT 1) AS broken_revision,
       (SELECT CAST({detail} AS {text}) FROM {table} WHERE {broken} ORDER BY {order} LIMIT 1) AS broken_detail,
       (SELECT CAST({applied_at} AS {text}) FROM {table} WHERE {broken} ORDER BY {order} LIMIT 1) AS broken_at
