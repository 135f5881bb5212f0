-- Evidence: metadata locks held and awaited (performance_schema; empty when it is off).
SELECT * FROM performance_schema.metadata_locks
