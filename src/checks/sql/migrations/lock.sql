-- A migration tool's lock row: whether it is taken, by whom, since when, and for how many
-- seconds. MySQL's BIT(1) and TINYINT flags are cast to a number so both engines read alike.
SELECT CAST({locked} AS {int}) AS locked,
       CAST({locked_by} AS {text}) AS locked_by,
       CAST({granted} AS {text}) AS granted,
       {age} AS age_seconds
  FROM {table}
 ORDER BY CAST({locked} AS {int}) DESC
 LIMIT 1
