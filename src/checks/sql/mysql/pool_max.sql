-- The server's connection limit.
SELECT CAST(@@max_connections AS SIGNED) AS max_connections
