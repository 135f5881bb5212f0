//! Every PostgreSQL major users run, 14 to 18, one test each so that a failure names the version:
//! on a throwaway server of that major, a calm `check`, a slow statement topping
//! pg_stat_statements, the forgotten transaction holding a row lock with a waiter behind it
//! (locks and queries), the server too full to let an ordinary role in, and every runbook `sql:`
//! snippet. The catalog changes between majors (`pg_locks.waitstart` in 14,
//! `reserved_connections` in 16, pg_stat_statements' columns...) are what this catches. Majors
//! Debian does not package here come from `bash .ci/install-pg-majors`.

use crate::support::pg_majors::pg_major_installed;
use crate::support::snippets::run_postgres_snippets;
use crate::support::*;

/// One server per major for all four parts, in an order where each leaves the next a server it
/// can use: the full server comes last. 6 connections, 2 reserved: 4 for an ordinary role.
fn every_check_on(major: u32) {
    if !pg_major_installed(major) {
        return;
    }
    let pg = ThrowawayPg::start(PgOptions {
        major: Some(major),
        prepared_transactions: 5,
        max_connections: 6,
        superuser_reserved: 2,
        settings: crate::support::snippets::SNIPPET_SETTINGS,
        ..Default::default()
    });
    pg.psql(&[
        "CREATE EXTENSION pg_stat_statements",
        "CREATE ROLE filler LOGIN",
        "CREATE TABLE orders (id int PRIMARY KEY, v int)",
        "INSERT INTO orders VALUES (1, 0)",
        // The setup's own statements can average past slow's warning on a busy machine.
        "SELECT pg_stat_statements_reset()",
    ]);
    calm_server_is_ok_on_every_check(&pg, major);
    slow_statement_tops_pg_stat_statements(&pg, major);
    forgotten_transaction_is_the_root_blocker_and_idle_in_transaction(&pg, major);
    run_postgres_snippets(&pg);
    full_server_refuses_an_ordinary_role_critical(&pg, major);
}

fn calm_server_is_ok_on_every_check(pg: &ThrowawayPg, major: u32) {
    let url = pg.url("postgres", "postgres");
    let [runbooks, dir] = started_just_now();
    let run = dbrunbook(&["check", "--url", &url, "--format", "json", &runbooks, &dir]);
    assert_eq!(run.code, 0, "PostgreSQL {major}, calm check:\n{}", run.all());
    let r = run.json();
    let version = r["target"]["server_version"].as_str().unwrap_or_default();
    assert!(
        version.starts_with(&format!("{major}.")),
        "PostgreSQL {major}: server_version {version}"
    );
    for check in r["checks"].as_array().unwrap() {
        assert_eq!(check["status"], "ok", "PostgreSQL {major}: {check:#}");
    }
}

/// pg_stat_statements' columns move between majors (and its `toplevel`, `_info` since 14).
fn slow_statement_tops_pg_stat_statements(pg: &ThrowawayPg, major: u32) {
    pg.psql(&["SELECT pg_sleep(0.2)"]);
    let url = pg.url("postgres", "postgres");
    let args = [
        "slow",
        "--url",
        &url,
        "--by",
        "mean",
        "--warning",
        "100ms",
        "--critical",
        "1h",
    ];
    let run = dbrunbook(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(run.code, 1, "PostgreSQL {major}, slow:\n{}", run.all());
    let r = run.json();
    let top = &findings(&r, "statements")[0];
    assert!(
        top["query"].as_str().unwrap().contains("pg_sleep"),
        "PostgreSQL {major}: {r:#}"
    );
    assert!(
        r["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("since the statistics were reset at")
    );
}

fn forgotten_transaction_is_the_root_blocker_and_idle_in_transaction(pg: &ThrowawayPg, major: u32) {
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("forgotten"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    held.pg_background(&conn("waiter"), "UPDATE orders SET v = 2 WHERE id = 1");
    let url = pg.url("postgres", "postgres");

    let r = poll(&["locks", "--url", &url, "--warning", "1ms", "--critical", "1h"], |r| {
        findings(r, "lock_tree").len() == 2 && r["status"] == "warning"
    });
    let rows = findings(&r, "lock_tree");
    let (root, waiter) = (&rows[0], &rows[1]);
    assert_eq!(root["role"], "root blocker", "PostgreSQL {major}: {r:#}");
    assert_eq!(root["application"], "forgotten", "PostgreSQL {major}: {r:#}");
    assert_eq!(root["state"], "idle in transaction", "PostgreSQL {major}: {r:#}");
    let root_pid = root["pid"].as_i64().unwrap();
    assert_eq!(waiter["role"], "waiting", "PostgreSQL {major}: {r:#}");
    assert_eq!(waiter["application"], "waiter", "PostgreSQL {major}: {r:#}");
    assert_eq!(
        waiter["roots"],
        serde_json::json!([root_pid]),
        "PostgreSQL {major}: {r:#}"
    );
    let check = &r["checks"][0];
    assert_eq!(
        check["runbook"]["id"], "lock-contention",
        "PostgreSQL {major}: {check:#}"
    );
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains(&format!(
            "pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {root_pid} AND"
        )),
        "PostgreSQL {major}: {steps}"
    );

    let r = poll(
        &["queries", "--url", &url, "--warning", "1s", "--idle-warning", "1s"],
        |r| findings(r, "sessions").iter().any(|s| s["pid"] == root_pid),
    );
    let idle = findings(&r, "sessions")
        .into_iter()
        .find(|s| s["pid"] == root_pid)
        .unwrap();
    assert_eq!(idle["state"], "idle in transaction", "PostgreSQL {major}: {r:#}");
    assert_eq!(idle["application"], "forgotten", "PostgreSQL {major}: {r:#}");
    assert_ne!(r["status"], "ok", "PostgreSQL {major}: {r:#}");
}

fn full_server_refuses_an_ordinary_role_critical(pg: &ThrowawayPg, major: u32) {
    // The sessions of the parts before end asynchronously: wait until their slots are free.
    let admin = pg.url("postgres", "postgres");
    poll(&["pool", "--url", &admin], |r| {
        metric_of(&r["checks"][0], "connections") == Some(0.0)
    });
    let mut held = Held::new();
    held.pg(&pg.keyvalue("filler", "postgres"), 4, "");
    let run = dbrunbook(&["pool", "--url", &pg.url("filler", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 2, "PostgreSQL {major}, full server:\n{}", run.all());
    let check = &run.json()["checks"][0];
    assert_eq!(check["status"], "critical", "PostgreSQL {major}: {check:#}");
    assert!(
        check["summary"].as_str().unwrap().contains("refused a new connection"),
        "PostgreSQL {major}: {check:#}"
    );
    assert_eq!(
        check["runbook"]["id"], "pool-exhaustion",
        "PostgreSQL {major}: {check:#}"
    );
}

#[test]
fn postgres_14() {
    every_check_on(14);
}

#[test]
fn postgres_15() {
    every_check_on(15);
}

#[test]
fn postgres_16() {
    every_check_on(16);
}

#[test]
fn postgres_17() {
    every_check_on(17);
}

#[test]
fn postgres_18() {
    every_check_on(18);
}
