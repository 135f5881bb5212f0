-- MariaDB: every replication connection (multi-source has one per primary, the default one is
-- named ''), with its IO and SQL threads, their last errors, positions and GTID state.
SHOW ALL SLAVES STATUS
