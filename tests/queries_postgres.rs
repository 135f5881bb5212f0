//! The queries check against real PostgreSQL: pg_sleep statements crossing the thresholds,
//! sessions idle in transaction, a long transaction idle between statements, hostile query
//! text, the tool's own session, and a role without pg_monitor.

use std::time::Duration;

use crate::support::*;

fn sessions(r: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(r, "sessions")
}

fn wait_for(pg: &ThrowawayPg, args: &[&str], want: &str) -> serde_json::Value {
    let url = pg.url("postgres", "postgres");
    let mut all: Vec<&str> = vec!["queries", "--url", &url];
    all.extend_from_slice(args);
    poll(&all, |r| r["status"] == want)
}

#[test]
fn sleeping_statement_goes_ok_warning_critical_with_cancel_then_terminate() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let r = dbrunbook(&["queries", "--url", &pg.url("postgres", "postgres"), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        sessions(&r.json()).is_empty(),
        "the tool's own session is never a finding"
    );

    let mut held = Held::new();
    held.pg_background(
        &format!(
            "{} application_name=nightly-report",
            pg.keyvalue("postgres", "postgres")
        ),
        "SELECT pg_sleep(60)",
    );
    let r = wait_for(&pg, &["--warning", "1s", "--critical", "1h"], "warning");
    let s = &sessions(&r)[0];
    assert_eq!(s["application"], "nightly-report");
    assert_eq!(s["state"], "active");
    assert_eq!(s["query"], "SELECT pg_sleep(60)");
    assert_eq!(s["wait"], "Timeout:PgSleep");
    let check = &r["checks"][0];
    assert_eq!(check["runbook"]["id"], "long-running-queries");
    let sql: Vec<&str> = check["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["sql"].as_str())
        .collect();
    let pid = s["pid"].as_i64().unwrap();
    let cancel = sql
        .iter()
        .position(|s| {
            s.starts_with(&format!(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = {pid} AND"
            ))
        })
        .expect("cancel step");
    let terminate = sql
        .iter()
        .position(|s| {
            s.starts_with(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {pid} AND"
            ))
        })
        .expect("terminate step");
    assert!(cancel < terminate, "cancel comes before terminate");

    let r = wait_for(&pg, &["--warning", "1s", "--critical", "2s"], "critical");
    assert_eq!(r["exit_code"], 2);
    // Our own session (which is running a statement right now) is not among them.
    assert!(sessions(&r).iter().all(|s| s["application"] != "dbrunbook"));
}

#[test]
fn idle_in_transaction_and_long_transaction_between_statements() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let mut held = Held::new();
    held.pg(
        &format!("{} application_name=forgetful", pg.keyvalue("postgres", "postgres")),
        1,
        "BEGIN; SELECT 1",
    );
    let r = wait_for(&pg, &["--idle-warning", "1s", "--idle-critical", "1h"], "warning");
    let check = &r["checks"][0];
    assert_eq!(check["runbook"]["id"], "idle-in-transaction");
    let s = &sessions(&r)[0];
    assert_eq!(s["state"], "idle in transaction");
    assert_eq!(s["application"], "forgetful");
    let steps = serde_json::to_string(&check["runbook"]["steps"]).unwrap();
    assert!(
        steps.contains(&format!("WHERE pid = {} AND backend_start", s["pid"])),
        "{steps}"
    );

    // A transaction that keeps running short statements is never "idle" for long, but it is old.
    let conninfo = format!("{} application_name=chatty", pg.keyvalue("postgres", "postgres"));
    let mut chatty = Held::new();
    chatty.pg(&conninfo, 1, "BEGIN; SELECT 1");
    std::thread::sleep(Duration::from_millis(2500));
    chatty.pg_run(0, "SELECT 2");
    let r = dbrunbook(&[
        "queries",
        "--url",
        &pg.url("postgres", "postgres"),
        "--warning",
        "2s",
        "--critical",
        "1h",
        "--idle-warning",
        "1h",
        "--idle-critical",
        "2h",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    let r = r.json();
    let chatty_row = sessions(&r)
        .into_iter()
        .find(|s| s["application"] == "chatty")
        .expect("the old transaction is listed");
    assert!(
        chatty_row["reason"].as_str().unwrap().contains("transaction open for"),
        "{chatty_row:#}"
    );
    assert_eq!(r["checks"][0]["runbook"]["id"], "long-running-queries");
}

#[test]
fn hostile_and_multiline_query_text_is_rendered_safely() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let mut held = Held::new();
    held.pg_background(
        &pg.keyvalue("postgres", "postgres"),
        "SELECT pg_sleep(60) /* \x1b[2J\x1b]0;pwned\x07 */,\n  'line two'",
    );
    let r = wait_for(&pg, &["--warning", "1s", "--critical", "1h"], "warning");
    let query = sessions(&r)[0]["query"].as_str().unwrap().to_string();
    assert!(
        query.contains('\n') && query.contains('\x1b'),
        "JSON keeps the whole text: {query:?}"
    );
    let table = dbrunbook(&[
        "queries",
        "--url",
        &pg.url("postgres", "postgres"),
        "--warning",
        "1s",
        "--critical",
        "1h",
    ]);
    assert_eq!(table.code, 1, "{}", table.all());
    assert!(
        !table.stdout.contains('\x1b') && !table.stdout.contains('\x07'),
        "{:?}",
        table.stdout
    );
    assert!(table.stdout.contains("SELECT pg_sleep(60)"), "{}", table.stdout);
    let nagios = dbrunbook(&[
        "queries",
        "--url",
        &pg.url("postgres", "postgres"),
        "--warning",
        "1s",
        "--format",
        "nagios",
    ]);
    assert_eq!(nagios.stdout.lines().count(), 1, "{:?}", nagios.stdout);
}

#[test]
fn role_without_pg_monitor_is_told_what_it_cannot_see() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&["CREATE ROLE watcher LOGIN"]);
    let mut held = Held::new();
    held.pg_background(&pg.keyvalue("postgres", "postgres"), "SELECT pg_sleep(60)");
    // Running for more than the 1 s threshold, as the superuser sees it.
    crate::support::oncall::wait_until("the hidden statement past 1 s", || {
        crate::support::oncall::pg_count(
            &pg,
            "postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' \
             AND state = 'active' AND query_start < now() - interval '1 second'",
        ) == 1
    });
    let run = dbrunbook(&[
        "queries",
        "--url",
        &pg.url("watcher", "postgres"),
        "--warning",
        "1s",
        "--format",
        "json",
    ]);
    // It cannot see the 60 s statement, so it cannot say OK: UNKNOWN, with the GRANT in the
    // summary that monitoring shows.
    assert_eq!(run.code, 3, "{}", run.all());
    let notes = run.json()["checks"][0]["notes"].to_string();
    assert!(
        notes.contains("hidden") && notes.contains("GRANT pg_monitor"),
        "{notes}"
    );
    let nagios = dbrunbook(&["queries", "--url", &pg.url("watcher", "postgres"), "--format", "nagios"]);
    assert!(
        nagios
            .stdout
            .starts_with("DBRUNBOOK QUERIES UNKNOWN - cannot vouch for")
            && nagios.stdout.contains("GRANT pg_monitor TO \"watcher\";"),
        "{}",
        nagios.stdout
    );

    pg.psql(&["GRANT pg_monitor TO watcher"]);
    let run = dbrunbook(&[
        "queries",
        "--url",
        &pg.url("watcher", "postgres"),
        "--warning",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "with pg_monitor the statement is seen: {}", run.all());
    assert_eq!(sessions(&run.json())[0]["query"], "SELECT pg_sleep(60)");
}

#[test]
fn sessions_waiting_on_a_lock_are_victims_without_kill_steps() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        "CREATE TABLE orders (id int PRIMARY KEY, v int)",
        "INSERT INTO orders VALUES (1, 0)",
    ]);
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("postgres", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("holder"), 1, "BEGIN; UPDATE orders SET v = 1 WHERE id = 1");
    held.pg_background(&conn("victim"), "UPDATE orders SET v = 2 WHERE id = 1");
    held.pg_background(&conn("victim"), "UPDATE orders SET v = 3 WHERE id = 1");
    let url = pg.url("postgres", "postgres");
    let r = poll(
        &["queries", "--url", &url, "--warning", "1s", "--idle-warning", "1s"],
        |r| {
            sessions(r).iter().filter(|s| s["application"] == "victim").count() == 2
                && sessions(r).iter().any(|s| s["application"] == "holder")
        },
    );
    let all = sessions(&r);
    let holder = all.iter().find(|s| s["application"] == "holder").unwrap()["pid"].clone();
    let victims: Vec<_> = all.iter().filter(|s| s["application"] == "victim").collect();
    for v in &victims {
        assert_eq!(v["lock_victim"], true, "{v:#}");
    }
    let steps = &r["checks"][0]["runbook"]["steps"];
    let sql: Vec<&str> = steps
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["sql"].as_str())
        .collect();
    for v in &victims {
        let pid = format!("({})", v["pid"]);
        let guarded = format!("WHERE pid = {} AND", v["pid"]);
        assert!(
            !sql.iter().any(|s| s.contains(&pid) || s.contains(&guarded)),
            "a kill step for victim {pid}: {sql:#?}"
        );
    }
    assert!(
        sql.iter()
            .any(|s| s.contains("pg_terminate_backend(pid)") && s.contains(&format!("WHERE pid = {holder} AND"))),
        "the holder should get its terminate step: {sql:#?}"
    );
    assert!(steps.to_string().contains("Run dbrunbook locks"), "{steps:#}");
}

#[test]
fn a_prepared_transaction_holding_back_vacuum_is_named() {
    // No session holds this xmin: the oldest holder is the prepared transaction.
    let pg = ThrowawayPg::start(PgOptions {
        prepared_transactions: 2,
        ..PgOptions::default()
    });
    pg.psql(&[
        "CREATE TABLE t (id int)",
        "BEGIN",
        "INSERT INTO t VALUES (1)",
        "PREPARE TRANSACTION 'forgotten-2pc'",
    ]);
    let r = dbrunbook(&["queries", "--url", &pg.url("postgres", "postgres"), "--format", "json"]).json();
    let notes = r["checks"][0]["notes"].to_string();
    assert!(notes.contains("prepared transaction 'forgotten-2pc'"), "{notes}");
    let metrics = r["checks"][0]["metrics"].to_string();
    assert!(metrics.contains("oldest_xmin_age"), "{metrics}");
    pg.psql(&["ROLLBACK PREPARED 'forgotten-2pc'"]);
}

#[test]
fn a_superuser_as_the_worst_session_gets_no_role_timeout() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let mut held = Held::new();
    held.pg_background(&pg.keyvalue("postgres", "postgres"), "SELECT pg_sleep(30)");
    let url = pg.url("postgres", "postgres");
    let r = poll(&["queries", "--url", &url, "--warning", "1s"], |r| {
        r["status"] == "warning"
    });
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(!steps.contains("ALTER ROLE"), "{steps}");
    assert!(steps.contains("is a superuser or a replication role"), "{steps}");
}
