-- Where statement statistics come from on this server: performance_schema, or the slow log
-- when it is written to a table; and who we are, for a GRANT.
SELECT @@performance_schema AS performance_schema,
       @@log_output AS log_output,
       @@slow_query_log AS slow_query_log,
       @@long_query_time AS long_query_time,
       CURRENT_USER() AS account
