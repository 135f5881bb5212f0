//! The replication check on real MariaDB replication that each test sets up itself: a primary
//! with binary logs and a GTID replica on the default connection (MySQL 8's `SHOW REPLICA
//! STATUS` branch is untested: MySQL 8 cannot be installed here). Each incident is built with
//! what causes it (a row written on the replica by hand, a primary the replica cannot reach, a
//! long statement on the primary) and seen from the replica, where the on-call connects.

use crate::support::replication::*;
use crate::support::*;

/// A primary and replica where the replica already holds row 7, written there by hand, and the
/// primary then inserts the same row: the replica's SQL thread stops on a duplicate key.
pub fn duplicate_key_incident() -> (ThrowawayMaria, ThrowawayMaria) {
    let (primary, replica) = maria_pair();
    maria(
        primary.port,
        "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB",
    );
    maria_wait(
        replica.port,
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders'",
        "the table on the replica",
        |v| v == "1",
    );
    maria(replica.port, "INSERT INTO shop.orders VALUES (7, 'same')");
    maria(
        primary.port,
        "INSERT INTO shop.orders VALUES (7, 'same'); INSERT INTO shop.orders VALUES (8, 'next')",
    );
    maria_wait_threads(
        replica.port,
        "the SQL thread to stop on a duplicate key",
        |_, sql, errno, _| sql == "No" && errno == "1062",
    );
    (primary, replica)
}

#[test]
fn a_duplicate_key_stops_the_sql_thread_and_the_runbook_finds_the_key_and_skips_one_transaction() {
    let (_primary, replica) = duplicate_key_incident();
    let r = replication(&replica.url("root"), &[]);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "critical", "{check:#}");
    assert_eq!(check["runbook"]["id"], "replica-broken", "{check:#}");
    assert!(
        check["summary"].as_str().unwrap().contains("Duplicate entry '7'"),
        "{check:#}"
    );
    let channel = &findings(&r, "channel")[0];
    assert_eq!(channel["sql_running"], "No");
    assert_eq!(channel["io_running"], "Yes");
    let texts: Vec<&str> = check["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("PRIMARY = 7 in shop.orders")),
        "{texts:#?}"
    );
    let steps = run_maria_steps(&r, replica.port);
    assert!(
        steps
            .iter()
            .any(|s| s.contains("TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders' AND INDEX_NAME = 'PRIMARY'")),
        "{steps:#?}"
    );
    assert!(
        steps.iter().any(|s| s.contains("sql_slave_skip_counter = 1")),
        "{steps:#?}"
    );
    maria_wait(replica.port, THREADS, "both threads to run again", |v| v == "ON");
    maria_wait(
        replica.port,
        "SELECT COUNT(*) FROM shop.orders WHERE id = 8",
        "the next transaction to apply",
        |v| v == "1",
    );
    let after = replication(&replica.url("root"), &[]);
    assert_eq!(after["checks"][0]["status"], "ok", "{:#}", after["checks"][0]);
}

#[test]
fn an_io_thread_that_cannot_reach_its_primary_is_critical_and_lag_is_not_judged() {
    let (_primary, replica) = maria_pair();
    let nowhere = free_port();
    maria(
        replica.port,
        &format!("STOP SLAVE; CHANGE MASTER TO MASTER_PORT={nowhere}; START SLAVE"),
    );
    maria_wait_threads(
        replica.port,
        "the IO thread to fail to connect",
        |io, _, _, io_errno| io == "Connecting" && io_errno != "0" && !io_errno.is_empty(),
    );
    let r = replication(&replica.url("root"), &[]);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "critical", "{check:#}");
    assert_eq!(check["runbook"]["id"], "replica-broken", "{check:#}");
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{nowhere}")),
        "{check:#}"
    );
    assert!(
        check["notes"]
            .to_string()
            .contains("Seconds_Behind_Master is not judged"),
        "{check:#}"
    );
    assert_eq!(metric_of(check, "replica_io_running"), Some(0.0), "{check:#}");
    run_maria_steps(&r, replica.port);
}

#[test]
fn a_long_statement_on_the_primary_is_lag_on_the_replica_while_it_replays() {
    let (primary, replica) = maria_pair();
    maria(
        primary.port,
        "CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO shop.t VALUES (1, 0)",
    );
    maria_wait(
        replica.port,
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = 't'",
        "the table",
        |v| v == "1",
    );
    // Statement-based, the replica runs the statement again and takes as long as the primary
    // did; Seconds_Behind_Master counts from when it started on the primary.
    let mut held = Held::new();
    held.mysql_background(
        &primary.url("root"),
        "SET SESSION binlog_format = 'STATEMENT'; UPDATE shop.t SET v = SLEEP(8) WHERE id = 1",
    );
    let flags = ["--lag-warning", "3s", "--lag-critical", "1h"];
    let lagging = wait_for(
        "lag on the replica",
        || replication(&replica.url("root"), &flags),
        |r| r["checks"][0]["status"] == "warning",
    );
    let check = &lagging["checks"][0];
    assert_eq!(check["runbook"]["id"], "replica-lag", "{check:#}");
    assert!(
        check["summary"].as_str().unwrap().contains("both threads running"),
        "{check:#}"
    );
    run_maria_steps(&lagging, replica.port);
    maria_wait(
        replica.port,
        "SELECT v FROM shop.t WHERE id = 1",
        "the statement to replay",
        |v| v == "0",
    );
    maria_wait_threads(replica.port, "the replica to be idle", |io, sql, _, _| {
        io == "Yes" && sql == "Yes"
    });
    wait_for(
        "the replica to catch up",
        || replication(&replica.url("root"), &flags),
        |r| r["checks"][0]["status"] == "ok",
    );
}

#[test]
fn the_primary_lists_its_connected_replica_and_binlog_retention() {
    let (primary, _replica) = maria_pair();
    let r = replication(&primary.url("root"), &[]);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "ok", "{check:#}");
    assert_eq!(findings(&r, "connected_replica").len(), 1, "{check:#}");
    assert!(
        check["summary"].as_str().unwrap().contains("1 replica(s) connected"),
        "{check:#}"
    );
}

#[test]
fn pgbouncer_is_unknown_with_the_reason() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let Some(bouncer) = ThrowawayBouncer::start(pg.port, 2, 20) else {
        return;
    };
    let run = dbrunbook(&["replication", "--url", &bouncer.admin_url(), "--format", "json"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let check = &run.json()["checks"][0];
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains("point --url at the PostgreSQL server"),
        "{check:#}"
    );
}

#[test]
fn semi_sync_enabled_but_fallen_back_to_asynchronous_is_a_warning() {
    // Semi-sync on, and no replica to acknowledge: after the timeout the primary commits
    // without waiting, which is what the check must say.
    let primary = ThrowawayMaria::start_with(
        20,
        &[
            "--log-bin=primary-bin",
            "--server-id=1",
            "--rpl-semi-sync-master-enabled=ON",
            "--rpl-semi-sync-master-timeout=100",
        ],
    );
    maria(
        primary.port,
        "CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY)",
    );
    maria_wait(
        primary.port,
        "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'",
        "semi-sync to fall back",
        |v| v.ends_with("OFF"),
    );
    let r = replication(&primary.url("root"), &[]);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "warning", "{check:#}");
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains("fallen back to asynchronous"),
        "{check:#}"
    );
    assert_eq!(metric(&r, "semi_sync_clients"), Some(0.0));
}

#[test]
fn every_connection_of_a_multi_source_replica_is_judged_on_its_own() {
    let (_primary, replica) = maria_pair();
    let nowhere = free_port();
    maria(
        replica.port,
        &format!(
            "CHANGE MASTER 'archive' TO MASTER_HOST='127.0.0.1', MASTER_PORT={nowhere}, MASTER_USER='repl', \
             MASTER_CONNECT_RETRY=1; START SLAVE 'archive'"
        ),
    );
    let r = wait_for(
        "the archive connection to fail",
        || replication(&replica.url("root"), &[]),
        |r| r["checks"][0]["status"] == "critical",
    );
    let check = &r["checks"][0];
    assert!(
        check["summary"].as_str().unwrap().contains("channel 'archive'"),
        "{check:#}"
    );
    let channels = findings(&r, "channel");
    assert_eq!(channels.len(), 2, "{check:#}");
    let default = channels
        .iter()
        .find(|c| c["channel"] == "")
        .expect("the default connection");
    assert_eq!(default["io_running"], "Yes");
    assert_eq!(default["sql_running"], "Yes");
    assert_eq!(metric(&r, "replication_channels"), Some(2.0));
    assert_eq!(metric(&r, "replica_io_running"), Some(1.0));
}
