-- The settings that end idle or silent connections ("server closed the connection
-- unexpectedly"). idle_in_transaction_session_timeout is left out: the tool sets its own in the
-- startup packet, so this session cannot see the server's.
SELECT name, setting, coalesce(unit, '') AS unit
  FROM pg_catalog.pg_settings
 WHERE name IN ('idle_session_timeout', 'tcp_keepalives_idle', 'tcp_keepalives_interval',
                'tcp_keepalives_count', 'tcp_user_timeout', 'client_connection_check_interval',
                'authentication_timeout')
 ORDER BY name
