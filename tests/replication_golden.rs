//! The JSON contract of `dbrunbook replication` on both engines, pinned by checked-in files in
//! `tests/golden/`: a PostgreSQL primary whose replica stopped (an inactive slot keeping WAL),
//! and a MariaDB replica whose SQL thread stopped on a duplicate key. Numbers are masked
//! (tests/support/golden.rs), ports and pids with them; the shape,
//! the words and the runbook chosen are what is pinned. After an intended change:
//! `DBRUNBOOK_BLESS=1 cargo test --test tests golden`, and review the diff.

use crate::support::golden::Golden;
use crate::support::replication::*;
use crate::support::*;

#[test]
fn replication_golden_postgres_slot_of_a_stopped_replica() {
    let primary = primary_with_a_stopped_replica(&["max_slot_wal_keep_size=1GB"]);
    let url = primary.url("postgres", "postgres");
    let run = dbrunbook(&[
        "replication",
        "--url",
        &url,
        "--format",
        "json",
        "--slot-retained-warning",
        "1MB",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    Golden::new("replication_postgres").assert(&run.stdout, |got| {
        got["target"]["url"] = "<url>".into();
        // Sizes in their own unit: what is left of max_slot_wal_keep_size crosses from GB to
        // MB as the test's WAL grows, which is the server's doing, not the shape's.
        for f in got["checks"][0]["findings"].as_array_mut().into_iter().flatten() {
            for key in ["safe_wal_size", "retained"] {
                if f[key].is_string() {
                    f[key] = "<size>".into();
                }
            }
        }
    });
}

#[test]
fn replication_golden_mariadb_duplicate_key_on_the_replica() {
    let (_primary, replica) = crate::replication_mysql::duplicate_key_incident();
    let run = dbrunbook(&["replication", "--url", &replica.url("root"), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    Golden::new("replication_mysql").assert(&run.stdout, |got| {
        got["target"]["url"] = "<url>".into();
    });
}
