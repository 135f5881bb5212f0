//! The pool check against real PostgreSQL servers: the shared one for the calm case, throwaway
//! ones that we fill up for warning, critical and a server that refuses us.

use crate::support::*;

fn holders(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "top_holders")
        .cloned()
        .collect()
}

#[test]
fn calm_server_is_ok_and_the_tool_does_not_count_itself() {
    // A server of its own: on the shared one, other tests' dbrunbook sessions come and go.
    let pg = ThrowawayPg::start(PgOptions::default());
    let run = dbrunbook(&["pool", "--url", &pg.url("postgres", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = run.json();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["status"], "ok");
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["target"]["engine"], "postgres");
    assert!(
        r["target"]["server_version"]
            .as_str()
            .unwrap()
            .starts_with(char::is_numeric)
    );
    let check = &r["checks"][0];
    assert_eq!(check["check"], "pool");
    assert!(check["runbook"].is_null(), "no runbook for OK");
    assert!(holders(&r).iter().all(|h| h["application"] != "dbrunbook"), "{r:#}");
}

#[test]
fn connections_at_80_percent_warn_and_name_the_biggest_holder() {
    // 13 slots, 3 reserved for superusers: 10 usable.
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 13,
        superuser_reserved: 3,
        ..Default::default()
    });
    pg.psql(&[
        "CREATE ROLE filler LOGIN",
        "CREATE DATABASE \"shop\x1b[31mred\" OWNER filler",
    ]);
    let mut held = Held::new();
    held.pg(
        &format!(
            "{} application_name=checkout-api",
            pg.keyvalue("filler", "shop\x1b[31mred")
        ),
        6,
        "",
    );
    held.pg(
        &format!("{} application_name=reports", pg.keyvalue("filler", "postgres")),
        2,
        "BEGIN; SELECT 1",
    );

    let run = dbrunbook(&["pool", "--url", &pg.url("postgres", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let r = run.json();
    let check = &r["checks"][0];
    assert_eq!(check["status"], "warning");
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .starts_with("8 of 10 usable connections used (80%)"),
        "{check:#}"
    );
    let top = &holders(&r)[0];
    assert_eq!(top["application"], "checkout-api");
    assert_eq!(top["connections"], 6);
    let oldest = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "oldest_idle_transaction")
        .unwrap();
    assert_eq!(oldest["application"], "reports");
    let runbook = &check["runbook"];
    assert_eq!(runbook["id"], "pool-exhaustion");
    let steps = serde_json::to_string(&runbook["steps"]).unwrap();
    assert!(steps.contains("checkout-api holds 6 connections"), "{steps}");
    assert!(
        steps.contains(&format!("WHERE pid = {} AND backend_start = ", oldest["pid"])),
        "{steps}"
    );
    assert!(
        !steps.contains("pg_cancel_backend"),
        "nothing to cancel in an idle session: {steps}"
    );
    let metric = &check["metrics"][0];
    assert_eq!(
        (metric["name"].as_str(), metric["value"].as_f64()),
        (Some("connections"), Some(8.0))
    );

    // The table shows the database name, but never its escape sequence.
    let table = dbrunbook(&["pool", "--url", &pg.url("postgres", "postgres")]);
    assert_eq!(table.code, 1);
    assert!(table.stdout.contains("WARNING pool"), "{}", table.stdout);
    assert!(table.stdout.contains("checkout-api"));
    assert!(!table.stdout.contains('\x1b'), "{}", table.stdout);

    // A role without pg_monitor still counts every connection, and is told what it cannot see.
    pg.psql(&["CREATE ROLE watcher LOGIN"]);
    let run = dbrunbook(&["pool", "--url", &pg.url("watcher", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let check = &run.json()["checks"][0];
    assert!(check["summary"].as_str().unwrap().starts_with("8 of 10"), "{check:#}");
    assert!(check["notes"].to_string().contains("GRANT pg_monitor"), "{check:#}");

    // Two more and it is critical; the nagios line carries absolute thresholds.
    held.pg(&pg.keyvalue("filler", "postgres"), 2, "");
    let run = dbrunbook(&["pool", "--url", &pg.url("postgres", "postgres"), "--format", "nagios"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout
            .starts_with("DBRUNBOOK POOL CRITICAL - 10 of 10 usable connections used (100%)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("| connections=10;8;10;0;10 "), "{}", run.stdout);

    // Flags override the runbook's thresholds.
    let run = dbrunbook(&[
        "pool",
        "--url",
        &pg.url("postgres", "postgres"),
        "--warning",
        "100%",
        "--critical",
        "100%",
        "--format",
        "json",
    ]);
    assert_eq!(run.json()["status"], "critical");
}

#[test]
fn server_out_of_slots_is_critical_pool_exhaustion_not_unknown() {
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 5,
        superuser_reserved: 2,
        ..Default::default()
    });
    pg.psql(&["CREATE ROLE filler LOGIN"]);
    let mut held = Held::new();
    held.pg(&pg.keyvalue("filler", "postgres"), 3, "");

    // An ordinary role hits "remaining connection slots are reserved".
    let run = dbrunbook(&["pool", "--url", &pg.url("filler", "postgres"), "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    let check = &run.json()["checks"][0];
    assert_eq!(check["status"], "critical");
    assert!(
        check["summary"].as_str().unwrap().contains("refused a new connection"),
        "{check:#}"
    );
    assert_eq!(check["runbook"]["id"], "pool-exhaustion");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains("reserved slot"),
        "the runbook says how to get in: {steps}"
    );

    // Fill the superuser slots too: even postgres gets "too many clients already".
    held.pg(&pg.keyvalue("postgres", "postgres"), 2, "");
    let run = dbrunbook(&["pool", "--url", &pg.url("postgres", "postgres"), "--format", "nagios"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout.starts_with("DBRUNBOOK POOL CRITICAL - the server refused"),
        "{}",
        run.stdout
    );
}

#[test]
fn wrong_password_is_a_clear_unknown_and_never_echoed() {
    let pg = ThrowawayPg::start(PgOptions {
        password: Some("right-horse-battery"),
        ..Default::default()
    });
    let url = format!(
        "postgres://postgres:hunter2-wrong@127.0.0.1:{}/postgres?sslmode=disable",
        pg.port
    );
    for format in ["table", "json", "nagios"] {
        let run = dbrunbook(&["pool", "-v", "--url", &url, "--format", format]);
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(run.all().contains("password authentication failed"), "{}", run.all());
        assert!(run.all().contains("check the user name and password"), "{}", run.all());
        assert!(!run.all().contains("hunter2-wrong"), "password leaked: {}", run.all());
    }
    // The right password through PGPASSWORD works.
    let run = dbrunbook_env(
        &[
            "pool",
            "--url",
            &format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port),
        ],
        &[("PGPASSWORD", "right-horse-battery")],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("right-horse-battery"));
}

#[test]
fn pg_environment_is_used_when_there_is_no_url() {
    let run = dbrunbook_env(
        &["pool", "--format", "json"],
        &[
            ("PGHOST", "127.0.0.1"),
            ("PGPORT", "5432"),
            ("PGUSER", "postgres"),
            ("PGDATABASE", "postgres"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.json()["target"]["url"],
        "postgres://postgres@127.0.0.1:5432/postgres?sslmode=prefer"
    );
}

#[test]
fn every_statement_the_tool_sends_is_a_read_under_its_own_name() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        "ALTER SYSTEM SET log_statement = 'all'",
        "ALTER SYSTEM SET log_line_prefix = '%a|'",
        "SELECT pg_reload_conf()",
    ]);
    let run = dbrunbook(&["pool", "--url", &pg.url("postgres", "postgres")]);
    assert_eq!(run.code, 0, "{}", run.all());
    let log = pg.log();
    let ours: Vec<&str> = log.lines().filter(|l| l.starts_with("dbrunbook|")).collect();
    assert!(
        !ours.is_empty(),
        "no statement logged under application_name dbrunbook:\n{log}"
    );
    // The safety settings travel in the startup packet (not logged); the first statement opens
    // a read-only transaction and sets them again for it.
    let first = ours.iter().find(|l| l.contains("statement:")).unwrap();
    assert!(first.contains("BEGIN READ ONLY"), "{first}");
    assert!(
        first.contains("search_path = pg_catalog")
            && first.contains("statement_timeout")
            && first.contains("lock_timeout"),
        "{first}"
    );
    for line in ours
        .iter()
        .filter(|l| l.contains("statement:") || l.contains("execute"))
    {
        let sql = line.split_once(": ").map(|(_, s)| s).unwrap_or(line).trim_start();
        let sql = sql
            .split_once(": ")
            .map(|(_, s)| s)
            .unwrap_or(sql)
            .trim_start()
            .to_ascii_uppercase();
        // Every statement opens with the tag the slow check leaves out by.
        let sql = sql.strip_prefix("/* DBRUNBOOK */").unwrap_or(&sql).trim_start();
        assert!(
            [
                "SET ",
                "SELECT",
                "START TRANSACTION",
                "BEGIN",
                "COMMIT",
                "SAVEPOINT",
                "ROLLBACK TO SAVEPOINT",
                "--"
            ]
            .iter()
            .any(|p| sql.starts_with(p)),
            "a statement that is not a read: {line}"
        );
    }
}

#[test]
fn limit_cuts_holder_rows_not_the_idle_in_transaction_count() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let mut held = Held::new();
    for app in ["billing", "reports"] {
        let conn = format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
        held.pg(&conn, 1, "BEGIN; SELECT 1");
    }
    let r = dbrunbook(&[
        "pool",
        "--url",
        &pg.url("postgres", "postgres"),
        "--limit",
        "1",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(findings(&r, "top_holders").len(), 1, "{r:#}");
    let metrics = r["checks"][0]["metrics"].as_array().unwrap();
    let idle = metrics.iter().find(|m| m["name"] == "idle_in_transaction").unwrap();
    assert_eq!(idle["value"], 2.0, "{r:#}");
}

#[test]
fn a_pool_full_of_lock_waiters_points_at_the_lock_chain() {
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 10,
        ..Default::default()
    });
    pg.psql(&[
        "CREATE TABLE t (id int PRIMARY KEY, v int)",
        "INSERT INTO t VALUES (1, 0)",
    ]);
    let mut held = Held::new();
    held.pg(
        &pg.keyvalue("postgres", "postgres"),
        1,
        "BEGIN; UPDATE t SET v = 1 WHERE id = 1",
    );
    for _ in 0..5 {
        held.pg_background(&pg.keyvalue("postgres", "postgres"), "UPDATE t SET v = 2 WHERE id = 1");
    }
    let url = pg.url("postgres", "postgres");
    let r = poll(&["pool", "--url", &url], |r| {
        metric_of(&r["checks"][0], "lock_waiting") == Some(5.0)
    });
    assert_ne!(r["status"], "ok", "{r:#}");
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(
        steps.contains("5 of the 6 connections are waiting on a lock"),
        "{steps}"
    );
}
