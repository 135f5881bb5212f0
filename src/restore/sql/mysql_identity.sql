-- Which server this is: host name, port and data directory (MariaDB has no server_uuid).
SELECT CONCAT(@@hostname, ':', @@port, ':', @@datadir) AS system_identifier,
       '' AS started,
       CAST(@@port AS CHAR) AS port,
       DATABASE() AS `database`
