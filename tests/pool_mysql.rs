//! The pool check against real MariaDB servers: the shared one when calm, a throwaway one that
//! we fill to warning, critical, and past its last (SUPER) slot.

use crate::support::*;

#[test]
fn calm_mariadb_is_ok() {
    let run = dbrunbook(&["pool", "--url", &shared_mysql_url(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let r = run.json();
    assert_eq!(r["status"], "ok");
    assert_eq!(r["target"]["engine"], "mysql");
    assert!(r["target"]["server_version"].as_str().unwrap().contains("MariaDB"));
    let names: Vec<&str> = r["checks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for expected in [
        "connections",
        "usage",
        "threads_running",
        "max_used_connections",
        "connection_errors_max_connections",
        "aborted_connects",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
}

/// A MariaDB of 10 connections with 8 in use: the two setup connections as root, six as `web`
/// (one of them in a transaction); more can be held on the `Held`.
pub(crate) fn mariadb_at_80_percent() -> (ThrowawayMaria, Held) {
    let db = ThrowawayMaria::start(10);
    let root = db.url("root");
    let mut held = Held::new();
    held.mysql(&root, 1, "CREATE USER 'web'@'%'");
    held.mysql(&root, 1, "GRANT ALL ON *.* TO 'web'@'%'");
    let web = format!("mysql://web@127.0.0.1:{}/mysql", db.port);
    held.mysql(&web, 5, "");
    held.mysql(&web, 1, "START TRANSACTION; SELECT COUNT(*) FROM mysql.user");
    (db, held)
}

#[test]
fn filling_mariadb_goes_warning_critical_then_refused() {
    let (db, mut held) = mariadb_at_80_percent();
    let root = db.url("root");
    let web = format!("mysql://web@127.0.0.1:{}/mysql", db.port);
    let run = dbrunbook(&["pool", "--url", &root, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let check = &run.json()["checks"][0];
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .starts_with("8 of 10 usable connections used (80%)"),
        "{check:#}"
    );
    let top = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "top_holders")
        .unwrap();
    assert_eq!(
        (top["user"].as_str(), top["connections"].as_i64()),
        (Some("web"), Some(6))
    );
    assert_eq!(check["runbook"]["id"], "pool-exhaustion");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(steps.contains("web from localhost holds 6 connections"), "{steps}");
    assert!(steps.contains("User = 'web'"), "{steps}");

    held.mysql(&web, 1, "");
    let run = dbrunbook(&["pool", "--url", &root, "--critical", "90%", "--format", "nagios"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout
            .starts_with("DBRUNBOOK POOL CRITICAL - 9 of 10 usable connections used (90%)"),
        "{}",
        run.stdout
    );

    // Take every slot, MariaDB's extra one for SUPER included: now even root is refused (1040).
    // Only ERROR 1040 says the server is full: a connection that failed for another reason on
    // a loaded machine (a handshake cut short) would leave a slot the tool's one attempt takes.
    // A connection that failed otherwise may still hold its slot while it is torn down, so the
    // server can refuse one moment and admit the tool the next: fill again until the tool too
    // is refused (bounded).
    let (mut taken, mut other) = (0, 0);
    let mut fill = || loop {
        match held.mysql_try(&root) {
            Ok(()) => taken += 1,
            Err(e) if e.contains("1040") || e.contains("Too many connections") => break,
            Err(e) => {
                other += 1;
                assert!(other < 20, "connections keep failing, not with 1040: {e}");
            }
        }
        assert!(taken < 40, "the server never refused a connection");
    };
    let mut refused = None;
    for _ in 0..5 {
        fill();
        let run = dbrunbook(&["pool", "--url", &root, "--format", "json"]);
        if run.json()["checks"][0]["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("1040")
        {
            refused = Some(run);
            break;
        }
    }
    let run = refused.expect("the tool was never refused by the full server");
    assert_eq!(run.code, 2, "{}", run.all());
    let check = &run.json()["checks"][0];
    assert!(check["summary"].as_str().unwrap().contains("1040"), "{check:#}");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(steps.contains("extra_port"), "{steps}");
}

#[test]
fn wrong_mysql_password_is_unknown_and_not_echoed() {
    let mut held = Held::new();
    held.mysql(
        &shared_mysql_url(),
        1,
        "CREATE USER IF NOT EXISTS 'dbrunbook_pw'@'%' IDENTIFIED BY 'right-pass-1'",
    );
    let run = dbrunbook(&[
        "pool",
        "--url",
        "mysql://dbrunbook_pw:hunter2-wrong@127.0.0.1:3306/test",
        "-v",
    ]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.all().contains("Access denied"), "{}", run.all());
    assert!(!run.all().contains("hunter2-wrong"), "{}", run.all());
}

#[test]
fn user_without_process_privilege_is_told_what_it_cannot_see() {
    let mut held = Held::new();
    held.mysql(&shared_mysql_url(), 1, "CREATE USER IF NOT EXISTS 'dbrunbook_np'@'%'");
    // Someone else's connection that this user cannot see.
    held.mysql(&shared_mysql_url(), 1, "");
    let run = dbrunbook(&[
        "pool",
        "--url",
        "mysql://dbrunbook_np@127.0.0.1:3306/",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let notes = run.json()["checks"][0]["notes"].to_string();
    assert!(notes.contains("GRANT PROCESS"), "{notes}");
}

#[test]
fn limit_cuts_holder_rows_not_the_idle_in_transaction_count() {
    let db = ThrowawayMaria::start(20);
    let root = db.url("root");
    let mut held = Held::new();
    held.mysql(
        &root,
        1,
        "CREATE USER 'a'@'%'; CREATE USER 'b'@'%'; GRANT ALL ON mysql.* TO 'a'@'%', 'b'@'%'",
    );
    held.mysql(&root, 1, "CREATE TABLE mysql.dbrb_l (id INT PRIMARY KEY) ENGINE=InnoDB");
    for user in ["a", "b"] {
        held.mysql(
            &db.url(user),
            1,
            "START TRANSACTION; SELECT * FROM mysql.dbrb_l FOR UPDATE",
        );
    }
    let r = dbrunbook(&["pool", "--url", &root, "--limit", "1", "--format", "json"]).json();
    assert_eq!(findings(&r, "top_holders").len(), 1, "{r:#}");
    let metrics = r["checks"][0]["metrics"].as_array().unwrap();
    let idle = metrics.iter().find(|m| m["name"] == "idle_in_transaction").unwrap();
    assert_eq!(idle["value"], 2.0, "{r:#}");
}
