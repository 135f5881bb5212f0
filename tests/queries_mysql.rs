//! The queries check against real MariaDB: SLEEP() statements crossing the thresholds, a
//! sleeping thread with an open InnoDB transaction, and KILL QUERY before KILL.

use crate::support::*;

fn sessions(r: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(r, "sessions")
}

fn run_until(url: &str, args: &[&str], want: &str) -> serde_json::Value {
    let mut all: Vec<&str> = vec!["queries", "--url", url];
    all.extend_from_slice(args);
    poll(&all, |r| r["status"] == want)
}

#[test]
fn sleeping_statement_and_idle_transaction_on_mariadb() {
    let db = ThrowawayMaria::start(20);
    let root = db.url("root");
    let r = dbrunbook(&["queries", "--url", &root, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(sessions(&r.json()).is_empty());

    let mut held = Held::new();
    held.mysql(&root, 1, "CREATE TABLE mysql.dbrb_t (id INT PRIMARY KEY) ENGINE=InnoDB");
    held.mysql_background(&root, "SELECT SLEEP(60) /* nightly */");
    let r = run_until(&root, &["--warning", "1s", "--critical", "1h"], "warning");
    let s = &sessions(&r)[0];
    assert_eq!(s["state"], "active");
    assert_eq!(s["query"], "SELECT SLEEP(60) /* nightly */");
    assert_eq!(s["user"], "root");
    assert!(s.get("application").is_none(), "MySQL has no application name column");
    let check = &r["checks"][0];
    assert_eq!(check["runbook"]["id"], "long-running-queries");
    let sql: Vec<&str> = check["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["sql"].as_str())
        .collect();
    let id = s["pid"].as_i64().unwrap();
    let kill_query = sql
        .iter()
        .position(|s| *s == format!("KILL QUERY {id};"))
        .expect("KILL QUERY step");
    let kill = sql
        .iter()
        .position(|s| *s == format!("KILL CONNECTION {id};"))
        .expect("KILL CONNECTION step");
    assert!(kill_query < kill);
    run_until(&root, &["--warning", "1s", "--critical", "2s"], "critical");

    // A sleeping thread with an open InnoDB transaction.
    let mut idle = Held::new();
    idle.mysql(&root, 1, "START TRANSACTION; INSERT INTO mysql.dbrb_t VALUES (1)");
    let r = run_until(
        &root,
        &[
            "--warning",
            "1h",
            "--critical",
            "2h",
            "--idle-warning",
            "1s",
            "--idle-critical",
            "1h",
        ],
        "warning",
    );
    let s = &sessions(&r)[0];
    assert_eq!(s["state"], "idle in transaction");
    assert!(
        s["reason"].as_str().unwrap().starts_with("idle in transaction for"),
        "{s:#}"
    );
    assert_eq!(r["checks"][0]["runbook"]["id"], "idle-in-transaction");
}

#[test]
fn user_without_process_cannot_say_nothing_runs_long() {
    // A 60 s SLEEP by root is invisible to a user without PROCESS: it used to get OK.
    let db = ThrowawayMaria::start(20);
    let root = db.url("root");
    let mut held = Held::new();
    held.mysql(&root, 1, "CREATE USER 'watcher'@'%' IDENTIFIED BY ''");
    held.mysql_background(&root, "SELECT SLEEP(60) /* hidden */");
    run_until(&root, &["--warning", "1s", "--critical", "1h"], "warning");
    let run = dbrunbook(&[
        "queries",
        "--url",
        &db.url("watcher").replace("/mysql", "/information_schema"),
        "--warning",
        "1s",
        "--format",
        "nagios",
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stdout.starts_with("DBRUNBOOK QUERIES UNKNOWN - cannot vouch for")
            && run.stdout.contains("GRANT PROCESS ON *.* TO 'watcher'@'%';"),
        "{}",
        run.stdout
    );
}

/// MariaDB's SHOW EXPLAIN FOR on a thread that runs nothing fails (ERROR 1933): the step is
/// offered only while the worst session runs a statement, and then it runs as printed.
#[test]
fn show_explain_is_offered_only_for_a_running_statement() {
    use crate::support::oncall::{APP_DB, Server};
    let server = Server::start(false);
    let url = server.url();
    let mut held = Held::new();
    held.mysql(&url, 1, "CREATE TABLE dbrb_e (id INT PRIMARY KEY) ENGINE=InnoDB");
    let long_transaction = [
        "--warning",
        "1s",
        "--critical",
        "1h",
        "--idle-warning",
        "1h",
        "--idle-critical",
        "2h",
    ];
    let mut idle = Held::new();
    idle.mysql(&url, 1, "START TRANSACTION; INSERT INTO dbrb_e VALUES (1)");
    let r = run_until(&url, &long_transaction, "warning");
    let check = &r["checks"][0];
    assert_eq!(sessions(&r)[0]["state"], "idle in transaction");
    assert_eq!(check["runbook"]["id"], "long-running-queries", "{check:#}");
    assert!(
        !check["runbook"]["steps"].to_string().contains("SHOW EXPLAIN"),
        "{check:#}"
    );
    drop(idle);

    held.mysql_background(&url, "SELECT SLEEP(60) AS running");
    // The running statement's report: the idle transaction's thread can outlive its client's
    // goodbye for a moment, and then still be the worst session.
    let mut args = vec!["queries", "--url", &url];
    args.extend_from_slice(&long_transaction);
    let r = poll(&args, |r| {
        r["status"] == "warning"
            && sessions(r)
                .first()
                .is_some_and(|s| s["query"] == "SELECT SLEEP(60) AS running")
    });
    let steps = r["checks"][0]["runbook"]["steps"].as_array().unwrap().clone();
    let explain = steps
        .iter()
        .filter_map(|s| s["sql"].as_str())
        .find(|sql| sql.starts_with("SHOW EXPLAIN FOR"))
        .unwrap_or_else(|| panic!("no SHOW EXPLAIN step for a running statement: {steps:#?}"));
    server.sql(APP_DB, explain);
}
