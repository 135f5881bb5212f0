-- Exact metadata-lock holders: pending requests matched to granted ones on the same object.
-- Empty when performance_schema is off or the instrument is not collecting.
SELECT CAST(tw.PROCESSLIST_ID AS SIGNED) AS waiting, CAST(th.PROCESSLIST_ID AS SIGNED) AS holder
  FROM performance_schema.metadata_locks pw
  JOIN performance_schema.threads tw ON tw.THREAD_ID = pw.OWNER_THREAD_ID
  JOIN performance_schema.metadata_locks ph ON ph.OBJECT_SCHEMA = pw.OBJECT_SCHEMA
   AND ph.OBJECT_NAME = pw.OBJECT_NAME AND ph.LOCK_STATUS = 'GRANTED'
   AND ph.OWNER_THREAD_ID <> pw.OWNER_THREAD_ID
  JOIN performance_schema.threads th ON th.THREAD_ID = ph.OWNER_THREAD_ID
 WHERE pw.LOCK_STATUS = 'PENDING' AND th.PROCESSLIST_ID IS NOT NULL
