-- MySQL 8.0.22 and later: every channel, in the Replica_/Source_ vocabulary. Untested: MySQL 8
-- cannot be installed where this project is tested.
SHOW REPLICA STATUS
