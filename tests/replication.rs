//! The replication check on real PostgreSQL replication that each test sets up itself: a
//! primary and a streaming replica from `pg_basebackup -R` with a slot. Each incident is built
//! with what causes it (paused replay, a query on the replica that replay must wait for, a
//! stopped replica, a logical consumer gone), seen from the side the on-call would connect to,
//! and cleared by executing the runbook's filled steps in order.

use crate::support::replication::*;
use crate::support::*;

const BYTES_BEHIND: &str = "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())";

#[test]
fn paused_replay_is_lag_from_both_sides_and_resuming_clears_it() {
    let primary = pg_primary(None, &[]);
    let replica = PgReplica::start(&primary, "replica_one", &[]);
    primary.psql(&["CREATE TABLE t (id int PRIMARY KEY, v text)"]);
    replica.wait(
        "SELECT count(*) FROM pg_class WHERE relname = 't'",
        "the table on the replica",
        |v| v == "1",
    );
    replica.value("SELECT pg_wal_replay_pause()");
    replica.wait("SELECT pg_get_wal_replay_pause_state()", "replay to pause", |v| {
        v == "paused"
    });
    primary.psql(&["INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g"]);
    replica.wait(BYTES_BEHIND, "WAL received and not replayed", |v| {
        v.parse::<f64>().unwrap_or(0.0) > 1048576.0
    });

    // Time lag is left out of it (generous thresholds): the bytes say it, on a loaded machine too.
    let flags = [
        "--lag-bytes-warning",
        "1MB",
        "--lag-warning",
        "1h",
        "--lag-critical",
        "2h",
    ];
    let r = replication(&replica.url(), &flags);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "warning", "{check:#}");
    assert!(check["summary"].as_str().unwrap().contains("paused"), "{check:#}");
    assert_eq!(check["runbook"]["id"], "replica-lag", "{check:#}");
    assert_eq!(metric(&r, "replay_paused"), Some(1.0));
    assert_eq!(metric(&r, "wal_receiver_up"), Some(1.0));
    assert!(metric(&r, "replica_lag_bytes").unwrap() > 1048576.0, "{check:#}");

    let p = replication(&primary.url("postgres", "postgres"), &flags);
    let on_primary = &p["checks"][0];
    assert_eq!(on_primary["status"], "warning", "{on_primary:#}");
    assert_eq!(on_primary["runbook"]["id"], "replica-lag", "{on_primary:#}");
    let senders = findings(&p, "replica");
    assert_eq!(senders.len(), 1, "{on_primary:#}");
    assert_eq!(senders[0]["slot"], "replica_one");
    assert_eq!(senders[0]["state"], "streaming");

    let steps = run_pg_steps(&r, &replica.psql(), replica.port);
    assert!(steps.iter().any(|s| s.contains("pg_wal_replay_resume()")), "{steps:#?}");
    replica.wait(BYTES_BEHIND, "the replica to catch up", |v| v == "0");
    let after = replication(&replica.url(), &flags);
    assert_eq!(after["checks"][0]["status"], "ok", "{:#}", after["checks"][0]);
}

#[test]
fn a_query_on_the_replica_that_replay_waits_for_is_named_and_cancelling_it_clears_the_lag() {
    let primary = pg_primary(None, &[]);
    // Replay waits for a conflicting query forever, and the primary does not hear of the
    // replica's snapshot: the settings under which a long report holds a replica back.
    let replica = PgReplica::start(
        &primary,
        "replica_one",
        &["hot_standby_feedback=off", "max_standby_streaming_delay=-1"],
    );
    primary.psql(&[
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 1000) g",
    ]);
    replica.wait("SELECT count(*) FROM t", "the rows on the replica", |v| v == "1000");
    let mut held = Held::new();
    let conninfo = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres application_name=report",
        replica.port
    );
    held.pg_background(
        &conninfo,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t; SELECT pg_sleep(600)",
    );
    let pid = replica.wait(
        "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE application_name = 'report' AND query LIKE '%pg_sleep%'",
        "the report to run",
        |v| v != "0",
    );
    // Cleaning up the deleted rows conflicts with the report's snapshot: replay stops there.
    primary.psql(&[
        "DELETE FROM t",
        "VACUUM t",
        "INSERT INTO t SELECT g, 'y' FROM generate_series(1, 5000) g",
    ]);
    replica.wait(
        "SELECT wait_event FROM pg_stat_activity WHERE backend_type = 'startup'",
        "replay to wait for the report",
        |v| v.starts_with("RecoveryConflict"),
    );
    replica.wait(BYTES_BEHIND, "WAL received and not replayed", |v| {
        v.parse::<f64>().unwrap_or(0.0) > 0.0
    });

    let flags = ["--lag-bytes-warning", "1", "--lag-bytes-critical", "1GB"];
    let r = replication(&replica.url(), &flags);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "warning", "{check:#}");
    assert_eq!(check["runbook"]["id"], "replica-lag", "{check:#}");
    let queries = findings(&r, "replica_query");
    assert_eq!(queries.len(), 1, "{check:#}");
    assert_eq!(queries[0]["pid"].to_string(), pid);

    let steps = run_pg_steps(&r, &replica.psql(), replica.port);
    assert!(
        steps.iter().any(|s| s == &format!("SELECT pg_cancel_backend({pid});")),
        "{steps:#?}"
    );
    replica.wait(BYTES_BEHIND, "the replica to catch up", |v| v == "0");
    assert_eq!(replica.value("SELECT count(*) FROM t"), "5000");
    // Caught up, and the query is gone; judged with a threshold the primary's background WAL
    // (running-xacts records, autovacuum of t) received and not yet replayed cannot reach.
    let after = replication(
        &replica.url(),
        &["--lag-bytes-warning", "1MB", "--lag-bytes-critical", "1GB"],
    );
    assert_eq!(after["checks"][0]["status"], "ok", "{:#}", after["checks"][0]);
    assert!(findings(&after, "replica_query").is_empty(), "{:#}", after["checks"][0]);
}

#[test]
fn a_stopped_replica_leaves_its_slot_retaining_wal_and_the_guarded_drop_releases_it() {
    let primary = primary_with_a_stopped_replica(&["max_slot_wal_keep_size=1GB"]);
    let url = primary.url("postgres", "postgres");
    let flags = ["--slot-retained-warning", "1MB", "--slot-retained-critical", "1GB"];
    let r = replication(&url, &flags);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "warning", "{check:#}");
    assert_eq!(check["runbook"]["id"], "replication-slot-retaining-wal", "{check:#}");
    let slots = findings(&r, "slot");
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0]["slot"], "replica_gone");
    assert_eq!(slots[0]["active"], false);
    assert_eq!(slots[0]["wal_status"], "reserved");
    assert!(slots[0]["safe_wal_size"].is_string(), "{:#}", slots[0]);
    assert!(metric(&r, "slot_retained_bytes").unwrap() > 1048576.0);

    // With --interval: WAL written between the snapshots is the slot's growth, and with
    // max_slot_wal_keep_size set, the time until the slot is cut off.
    let mut held = Held::new();
    held.pg_background(
        &primary.keyvalue("postgres", "postgres"),
        "DO $$ BEGIN FOR i IN 1..600 LOOP INSERT INTO t SELECT g, repeat('y', 200) FROM generate_series(100000 + i * 100, 100000 + i * 100 + 99) g; COMMIT; PERFORM pg_sleep(0.05); END LOOP; END $$",
    );
    let grown = poll(&["replication", "--url", &url, "--interval", "2s"], |r| {
        metric(r, "slot_growth_bytes_per_second").is_some_and(|g| g > 0.0)
    });
    assert!(
        metric(&grown, "slot_time_left").is_some_and(|t| t > 0.0),
        "{:#}",
        grown["checks"][0]
    );
    assert!(findings(&grown, "slot")[0]["time_left"].is_string());
    drop(held);

    drops_the_slot(
        &r,
        &primary,
        "WHERE slot_name = 'replica_gone' AND slot_type = 'physical' AND NOT active",
    );
    let after = replication(&url, &flags);
    assert_eq!(after["checks"][0]["status"], "ok", "{:#}", after["checks"][0]);
}

#[test]
fn a_logical_slot_whose_consumer_is_gone_names_its_plugin_and_catalog_horizon() {
    let primary = pg_primary(None, &[]);
    primary.psql(&[
        "SELECT pg_create_logical_replication_slot('cdc_orders', 'test_decoding')",
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g",
    ]);
    let url = primary.url("postgres", "postgres");
    let r = replication(&url, &["--slot-retained-warning", "1MB"]);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "warning", "{check:#}");
    assert_eq!(check["runbook"]["id"], "replication-slot-retaining-wal");
    let slot = &findings(&r, "slot")[0];
    assert_eq!(slot["type"], "logical");
    assert_eq!(slot["plugin"], "test_decoding");
    assert_eq!(slot["database"], "postgres");
    assert!(slot["catalog_xmin_age"].as_i64().is_some(), "{slot:#}");
    // The exporter's path: the check's metrics become Prometheus families.
    let prom = dbrunbook(&[
        "replication",
        "--url",
        &url,
        "--format",
        "prometheus",
        "--slot-retained-warning",
        "1MB",
    ]);
    for family in [
        "dbrunbook_slot_retained_bytes{",
        "dbrunbook_slots_inactive{",
        "dbrunbook_replicas{",
    ] {
        assert!(prom.stdout.contains(family), "{family} missing:\n{}", prom.stdout);
    }
    drops_the_slot(
        &r,
        &primary,
        "WHERE slot_name = 'cdc_orders' AND slot_type = 'logical' AND NOT active",
    );
}

/// Runs the slot runbook's steps on the primary: the guarded drop names this slot, and after
/// it no slot is left.
fn drops_the_slot(report: &serde_json::Value, primary: &ThrowawayPg, guard: &str) {
    let steps = run_pg_steps(report, &primary.bin("psql"), primary.port);
    assert!(steps.iter().any(|s| s.contains(guard)), "{steps:#?}");
    let slots = pg_value(
        &primary.bin("psql"),
        primary.port,
        "SELECT count(*) FROM pg_replication_slots",
    );
    assert_eq!(slots, "0");
}

#[test]
fn a_sync_standby_gone_is_critical_and_emptying_the_list_releases_commits() {
    let primary = pg_primary(None, &[]);
    let mut replica = PgReplica::start(&primary, "sync_one", &[]);
    // Set as an administrator would (a setting on the server's command line would outrank
    // the runbook's ALTER SYSTEM).
    primary.psql(&[
        "ALTER SYSTEM SET synchronous_standby_names = 'walreceiver'",
        "SELECT pg_reload_conf()",
    ]);
    pg_wait(
        &primary.bin("psql"),
        primary.port,
        "SELECT sync_state FROM pg_stat_replication",
        "the standby to be synchronous",
        |v| v == "sync",
    );
    let url = primary.url("postgres", "postgres");
    let ok = replication(&url, &[]);
    assert_eq!(ok["checks"][0]["status"], "ok", "{:#}", ok["checks"][0]);
    assert_eq!(findings(&ok, "replica")[0]["sync_state"], "sync");
    replica.stop();
    // A commit now waits for the standby that is gone.
    let mut held = Held::new();
    held.pg_background(
        &format!("{} application_name=writer", primary.keyvalue("postgres", "postgres")),
        "CREATE TABLE waits (id int)",
    );
    pg_wait(
        &primary.bin("psql"),
        primary.port,
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
        "the commit to wait",
        |v| v == "1",
    );
    let r = replication(&url, &[]);
    let check = &r["checks"][0];
    assert_eq!(check["status"], "critical", "{check:#}");
    assert_eq!(check["runbook"]["id"], "sync-standby-gone", "{check:#}");
    assert_eq!(metric(&r, "sync_standbys_connected"), Some(0.0));
    run_pg_steps(&r, &primary.bin("psql"), primary.port);
    pg_wait(
        &primary.bin("psql"),
        primary.port,
        "SELECT count(*) FROM pg_class WHERE relname = 'waits'",
        "the waiting commit to complete",
        |v| v == "1",
    );
}

/// The views differ between majors: `pg_replication_slots.inactive_since` exists from 18
/// (before, the same SQL reads NULL and an inactive slot is judged by the WAL it keeps),
/// `invalidation_reason` from 17, `conflicting` from 16. On every installed major of 14, 15 and
/// 18 (skipped with a line where one is missing): a replica made by that major's
/// `pg_basebackup -R`, seen from the replica and the primary, then stopped.
#[test]
fn replication_from_both_sides_on_the_majors_where_the_views_differ() {
    for major in [14, 15, 18] {
        if !crate::support::pg_majors::pg_major_installed(major) {
            continue;
        }
        let primary = pg_primary(Some(major), &[]);
        let mut replica = PgReplica::start(&primary, "replica_one", &[]);
        let from_replica = replication(&replica.url(), &[]);
        assert_eq!(
            from_replica["checks"][0]["status"], "ok",
            "{major}: {:#}",
            from_replica["checks"][0]
        );
        assert_eq!(findings(&from_replica, "receiver")[0]["status"], "streaming", "{major}");
        let url = primary.url("postgres", "postgres");
        let from_primary = replication(&url, &[]);
        assert_eq!(findings(&from_primary, "replica")[0]["slot"], "replica_one", "{major}");
        assert_eq!(findings(&from_primary, "slot")[0]["active"], true, "{major}");
        replica.stop();
        let inactive = ["replication", "--url", &url, "--slot-inactive", "1s"];
        if major >= 18 {
            let r = poll(&inactive, |r| r["checks"][0]["status"] == "warning");
            assert_eq!(
                r["checks"][0]["runbook"]["id"], "replication-slot-retaining-wal",
                "{major}"
            );
            assert!(findings(&r, "slot")[0]["inactive_for"].is_string(), "{major}");
        } else {
            let r = poll(&inactive, |r| findings(r, "slot")[0]["active"] == false);
            assert!(findings(&r, "slot")[0]["inactive_for"].is_null(), "{major}");
            assert_eq!(r["checks"][0]["status"], "ok", "{major}: {:#}", r["checks"][0]);
        }
    }
}

#[test]
fn a_replica_whose_primary_is_gone_is_not_receiving_and_gets_the_broken_runbook() {
    let primary = pg_primary(None, &[]);
    let replica = PgReplica::start(&primary, "replica_one", &[]);
    let ok = replication(&replica.url(), &[]);
    assert_eq!(ok["checks"][0]["status"], "ok", "{:#}", ok["checks"][0]);
    // A role without pg_monitor sees the WAL sender but not its state or lag: never OK.
    primary.psql(&["CREATE ROLE watcher LOGIN"]);
    let blind = replication(&primary.url("watcher", "postgres"), &[]);
    let check = &blind["checks"][0];
    assert_eq!(check["status"], "unknown", "{check:#}");
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains("GRANT pg_monitor TO \"watcher\";"),
        "{check:#}"
    );
    drop(primary);
    replica.wait(
        "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'",
        "the WAL receiver to stop streaming",
        |v| v == "0",
    );
    let r = replication(&replica.url(), &[]);
    let check = &r["checks"][0];
    assert!(
        ["warning", "critical"].contains(&check["status"].as_str().unwrap()),
        "{check:#}"
    );
    assert_eq!(check["runbook"]["id"], "replica-broken", "{check:#}");
    assert_eq!(metric(&r, "wal_receiver_up"), Some(0.0));
    let steps = run_pg_steps(&r, &replica.psql(), replica.port);
    assert!(steps.iter().any(|s| s.contains("pg_stat_wal_receiver")), "{steps:#?}");
}
