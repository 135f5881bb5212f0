-- Read-only mode and the settings that drop idle or slow connections ("MySQL server has gone
-- away", "Lost connection to MySQL server during query").
SELECT @@GLOBAL.read_only AS read_only,
       @@GLOBAL.wait_timeout AS wait_timeout,
       @@GLOBAL.interactive_timeout AS interactive_timeout,
       @@GLOBAL.max_allowed_packet AS max_allowed_packet,
       @@GLOBAL.net_read_timeout AS net_read_timeout,
       @@GLOBAL.net_write_timeout AS net_write_timeout,
       @@GLOBAL.connect_timeout AS connect_timeout,
       @@GLOBAL.max_connect_errors AS max_connect_errors
