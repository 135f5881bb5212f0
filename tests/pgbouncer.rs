//! The pool check through PgBouncer's admin console, with a real PgBouncer in front of a
//! throwaway PostgreSQL: calm, then clients queueing for a starved pool.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn starved_pgbouncer_pool_reports_waiting_clients() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let Some(bouncer) = ThrowawayBouncer::start(pg.port, 1, 20) else {
        return;
    };

    let run = dbrunbook(&["pool", "--url", &bouncer.admin_url(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = run.json();
    assert_eq!(r["target"]["engine"], "pgbouncer");
    assert!(
        r["target"]["server_version"].as_str().unwrap().contains("PgBouncer"),
        "{r:#}"
    );

    // One server connection, busy for a while; two more clients queue behind it.
    let app = format!(
        "host=127.0.0.1 port={} user=postgres dbname=app sslmode=disable",
        bouncer.port
    );
    let mut held = Held::new();
    held.pg_background(&app, "SELECT pg_sleep(20)");
    std::thread::sleep(Duration::from_millis(500));
    held.pg_background(&app, "SELECT 1");
    held.pg_background(&app, "SELECT 1");
    let started = Instant::now();
    let r = loop {
        let run = dbrunbook(&[
            "pool",
            "--url",
            &bouncer.admin_url(),
            "--wait-warning",
            "0s",
            "--format",
            "json",
        ]);
        let r = run.json();
        if r["status"] != "ok" || started.elapsed() > Duration::from_secs(10) {
            assert_eq!(run.code, 1, "{}", run.all());
            break r;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let check = &r["checks"][0];
    assert!(
        check["summary"].as_str().unwrap().contains("clients waiting"),
        "{check:#}"
    );
    let pool = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["database"] == "app")
        .unwrap();
    assert!(pool["cl_waiting"].as_i64().unwrap() >= 1, "{pool:#}");
    assert_eq!(pool["pool_size"], 1);
    assert_eq!(check["runbook"]["id"], "pgbouncer-saturation");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains("pool app/postgres") || steps.contains("Pool app/postgres"),
        "{steps}"
    );

    // The nagios line carries the wait metric.
    let run = dbrunbook(&[
        "pool",
        "--url",
        &bouncer.admin_url(),
        "--wait-warning",
        "0s",
        "--format",
        "nagios",
    ]);
    assert!(run.stdout.starts_with("DBRUNBOOK POOL WARNING"), "{}", run.stdout);
    assert!(run.stdout.contains("clients_waiting="), "{}", run.stdout);
}

#[test]
fn a_database_behind_pgbouncer_is_checked_without_startup_options() {
    // PgBouncer refuses the `options` startup parameter that carries the session settings; the
    // tool reconnects without it and sets them inside its read-only transaction instead.
    // pg_stat_statements too, so that every check can judge (slow's batches may reach the
    // server over different connections in transaction pooling).
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["shared_preload_libraries=pg_stat_statements"],
        ..PgOptions::default()
    });
    pg.psql(&[
        "CREATE EXTENSION pg_stat_statements",
        "SELECT pg_stat_statements_reset()",
    ]);
    let Some(bouncer) = ThrowawayBouncer::start(pg.port, 2, 20) else {
        return;
    };
    let [runbooks, dir] = started_just_now();
    let run = dbrunbook(&[
        "check",
        "--url",
        &bouncer.app_url(),
        "--format",
        "json",
        &runbooks,
        &dir,
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = run.json();
    assert_eq!(r["target"]["engine"], "postgres");
    assert_eq!(r["checks"][0]["check"], "connect");
    let pool = r["checks"][1]["summary"].as_str().unwrap();
    assert!(pool.contains("usable connections used"), "{pool}");
}
