//! The deadlock storm, reproduced by the code that causes it: a payments worker
//! (tests/apps/transfer_worker.py, SQLAlchemy over psycopg2 / PyMySQL) whose two workers transfer
//! between the same two accounts in opposite directions and retry on deadlock. Found by
//! `diagnose` from the previous cron run's counter and by `locks --interval`, with the
//! deadlock-storm runbook; its evidence steps run as printed; the fix is the application's (lock
//! ordering, the worker's --ordered), after which the next window is OK.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::apps::App;
use crate::support::oncall::{APP_DB, Cron, Server, check, steps_in, wait_until};

/// The worker's counts so far (transfers, deadlocks, failed), from its stats file.
fn counts(stats: &Path) -> Value {
    std::fs::read(stats)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| serde_json::json!({"transfers": 0, "deadlocks": 0, "failed": 0}))
}

fn count(stats: &Path, key: &str) -> i64 {
    counts(stats)[key].as_i64().unwrap_or(0)
}

fn worker(server: &Server, stats: &Path, extra: &[&str]) -> App {
    let url = server.app_url();
    let mut args = vec!["--url", url.as_str(), "--stats", stats.to_str().unwrap()];
    args.extend(extra);
    App::start("transfer_worker.py", &args, &[])
}

fn status(check: &Value) -> &str {
    check["status"].as_str().unwrap_or_default()
}

fn setting(server: &Server, sql: &str) -> String {
    server.sql(APP_DB, sql).trim().to_string()
}

/// What the logging step turned on, read back with the server's client.
fn logging_setting(server: &Server) -> String {
    match server {
        Server::Pg(_) => setting(server, "\\pset tuples_only on\nSHOW log_lock_waits;"),
        Server::Maria(_) => setting(server, "SELECT @@GLOBAL.innodb_print_all_deadlocks AS v\\G"),
    }
}

fn storm_is_found_and_cleared_by_lock_ordering(pg: bool) {
    let server = Server::start(pg);
    let url = server.url();
    let cron = Cron::new();
    let dir = tempfile::tempdir().unwrap();
    let stats: PathBuf = dir.path().join("storm.json");
    let mut setup = worker(&server, &stats, &["--setup"]);
    assert!(setup.child.wait().unwrap().success(), "the worker's --setup failed");

    // The cron job's run before the incident: calm, and it keeps the counter for the next run.
    let calm = cron.report(&["locks", "--url", &url]);
    assert_eq!(status(check(&calm, "locks")), "ok", "{calm:#}");

    let storm = worker(&server, &stats, &[]);
    wait_until("the opposite-order workers deadlock", || {
        count(&stats, "deadlocks") >= 5
    });

    // diagnose, as the next cron run: the rate since the previous run's counter.
    let report = cron.report(&["diagnose", "--url", &url]);
    // For the incident note: how long diagnose took during the storm (`--nocapture`).
    eprintln!(
        "diagnose during the deadlock storm ({}): {} ms",
        server.name(),
        report["elapsed_ms"]
    );
    let locks = check(&report, "locks");
    assert!(matches!(status(locks), "warning" | "critical"), "{locks:#}");
    assert_eq!(locks["runbook"]["id"], "deadlock-storm", "{locks:#}");
    let summary = locks["summary"].as_str().unwrap();
    assert!(
        summary.contains("deadlock storm") && summary.contains("since the previous run"),
        "{summary}"
    );

    // The check itself, over an interval: the same verdict from two samples.
    let report = cron.report(&["locks", "--url", &url, "--interval", "5s"]);
    let locks = check(&report, "locks").clone();
    assert!(matches!(status(&locks), "warning" | "critical"), "{locks:#}");
    assert_eq!(locks["runbook"]["id"], "deadlock-storm");
    assert!(locks["summary"].as_str().unwrap().contains("--interval"), "{locks:#}");
    let diagnosis: Vec<String> = steps_in(&locks, "diagnose").iter().map(|s| s.text.clone()).collect();
    if !pg {
        // InnoDB's latest deadlock: both statements and the table, whole, not cut to "….
        let whole = "UPDATE accounts SET balance = balance + 1 WHERE id = ";
        let text = diagnosis.join("\n");
        assert_eq!(text.matches(whole).count(), 2, "{text}");
        assert!(text.contains("`bank`.`accounts`") && !text.contains('…'), "{text}");
    }

    // The evidence, executed as printed.
    for step in steps_in(&locks, "diagnose") {
        if let Some(sql) = step.sql.as_deref() {
            let out = server.sql(APP_DB, sql);
            let expected = if pg { "bank" } else { "LATEST DETECTED DEADLOCK" };
            assert!(out.contains(expected), "{sql}\n{out}");
        }
    }
    // Logging on while the incident is looked at; its revert is kept for the end.
    let immediate = steps_in(&locks, "immediate");
    let runnable: Vec<&str> = immediate.iter().filter_map(|s| s.sql.as_deref()).collect();
    assert_eq!(runnable.len(), 2, "turn logging on, then put it back: {immediate:#?}");
    server.sql(APP_DB, runnable[0]);
    wait_until("logging turned on", || {
        let v = logging_setting(&server);
        v == "on" || v.ends_with('1')
    });

    // The remedy is the application's: the worker redeployed with ordered locking.
    drop(storm);
    let fixed_stats = dir.path().join("fixed.json");
    let _fixed = worker(&server, &fixed_stats, &["--ordered"]);
    wait_until("the ordered workers transfer", || {
        count(&fixed_stats, "transfers") >= 20
    });
    // The next cron run counts from the storm's last run, tail included; the one after is calm.
    cron.report(&["locks", "--url", &url]);
    let before = count(&fixed_stats, "transfers");
    wait_until("the ordered workers transfer again", || {
        count(&fixed_stats, "transfers") >= before + 20
    });
    let next = cron.report(&["locks", "--url", &url]);
    assert_eq!(status(check(&next, "locks")), "ok", "{next:#}");
    let interval = cron.report(&["locks", "--url", &url, "--interval", "3s"]);
    assert_eq!(status(check(&interval, "locks")), "ok", "{interval:#}");
    let fixed = counts(&fixed_stats);
    assert_eq!(
        (fixed["deadlocks"].as_i64(), fixed["failed"].as_i64()),
        (Some(0), Some(0)),
        "{fixed}"
    );

    // Incident over: logging back as it was.
    server.sql(APP_DB, runnable[1]);
    wait_until("logging back off", || {
        let v = logging_setting(&server);
        v == "off" || v.ends_with('0')
    });
}

#[test]
fn deadlock_storm_on_postgres_is_found_and_cleared_by_lock_ordering() {
    storm_is_found_and_cleared_by_lock_ordering(true);
}

#[test]
fn deadlock_storm_on_mariadb_is_found_and_cleared_by_lock_ordering() {
    storm_is_found_and_cleared_by_lock_ordering(false);
}

/// A server that has deadlocked a lot before (here: a storm a minute ago, which the counter
/// since the start still holds), then a calm period, then a new storm: the cron job's state file
/// says calm while it is calm, though the counter since the start is high, and catches the new
/// storm at the next run.
#[test]
fn a_new_storm_after_a_calm_period_is_caught_by_the_next_cron_run() {
    let server = Server::start(false);
    let url = server.url();
    let cron = Cron::new();
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("old.json");
    let mut setup = worker(&server, &stats, &["--setup"]);
    assert!(setup.child.wait().unwrap().success(), "the worker's --setup failed");
    let old = worker(&server, &stats, &[]);
    wait_until("the old storm", || count(&stats, "deadlocks") >= 10);
    drop(old);

    // The first cron run sees only the counter since the start: the old storm, recent.
    let first = cron.report(&["locks", "--url", &url]);
    let notes = check(&first, "locks")["notes"].to_string();
    assert!(notes.contains("since the server started"), "{first:#}");
    // Calm: the next run measures from the first, and says OK though the start's rate is high.
    let calm = cron.report(&["locks", "--url", &url]);
    let locks = check(&calm, "locks");
    assert_eq!(status(locks), "ok", "{locks:#}");
    assert!(
        locks["notes"].to_string().contains("since the previous run"),
        "{locks:#}"
    );

    let new_stats = dir.path().join("new.json");
    let _new = worker(&server, &new_stats, &[]);
    wait_until("the new storm", || count(&new_stats, "deadlocks") >= 5);
    let next = cron.report(&["locks", "--url", &url]);
    let locks = check(&next, "locks");
    assert!(matches!(status(locks), "warning" | "critical"), "{locks:#}");
    assert_eq!(locks["runbook"]["id"], "deadlock-storm");
    assert!(
        locks["summary"].as_str().unwrap().contains("since the previous run"),
        "{locks:#}"
    );
}
