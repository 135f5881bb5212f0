-- Whether the metadata-lock instrument collects: performance_schema can be on with it disabled
-- (MariaDB's default), and then metadata_locks is empty all the same. Empty when
-- performance_schema is off.
SELECT ENABLED
  FROM performance_schema.setup_instruments
 WHERE NAME = 'wait/lock/metadata/sql/mdl'
