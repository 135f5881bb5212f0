//! `dbrunbook slow`: a known slow statement on a throwaway PostgreSQL with pg_stat_statements
//! preloaded (and on a throwaway MariaDB with performance_schema on) tops the list and is graded
//! by its mean time; with `--interval`, only what ran between the snapshots counts; no
//! statistics, or no right to read other roles' texts, is never OK and says what to do.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::*;

pub(crate) fn pg_with_statements() -> ThrowawayPg {
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["shared_preload_libraries=pg_stat_statements"],
        ..PgOptions::default()
    });
    // Without its own setup in the statistics: a CREATE EXTENSION slowed by a loaded machine
    // would top a list judged by mean time.
    pg.psql(&[
        "CREATE EXTENSION pg_stat_statements",
        "SELECT pg_stat_statements_reset()",
    ]);
    pg
}

pub(crate) fn slow(url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["slow", "--url", url, "--format", "json"];
    args.extend(extra);
    dbrunbook(&args)
}

/// Runs `slow --interval 8s` with `extra`, and `between` while the tool waits for its second
/// snapshot (its `-v` log says when); the exit code and the JSON report. The interval bounds
/// how long `between` may take, generously for a loaded machine.
fn with_interval(url: &str, extra: &[&str], between: impl FnOnce()) -> (i32, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "slow",
            "-v",
            "--url",
            url,
            "--format",
            "json",
            "--interval",
            "8s",
            "--timeout",
            "30s",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the tool ended before waiting for the second snapshot:\n{log}"
        );
        log.push_str(&line);
        if line.contains("waiting") {
            break;
        }
    }
    between();
    let out = child.wait_with_output().unwrap();
    let r = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap_or(-1), r)
}

fn statements(r: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(r, "statements")
}

#[test]
fn pg_sleep_statement_tops_the_list_and_is_graded_by_its_mean() {
    let pg = pg_with_statements();
    pg.psql(&["SELECT pg_sleep(0.3)", "SELECT pg_sleep(0.3)"]);
    let url = pg.url("postgres", "postgres");

    let warn = slow(
        &url,
        &[
            "--by",
            "mean",
            "--warning",
            "100ms",
            "--critical",
            "1h",
            "--core-critical",
            "1000%",
        ],
    );
    assert_eq!(warn.code, 1, "{}", warn.all());
    let r = warn.json();
    let top = &statements(&r)[0];
    assert!(top["query"].as_str().unwrap().contains("pg_sleep"), "{r:#}");
    assert_eq!(top["calls"], 2);
    assert!(top["mean_ms"].as_f64().unwrap() >= 300.0, "{top:#}");
    assert_eq!(top["query_truncated"], false);
    assert!(
        r["checks"][0]["summary"].as_str().unwrap().contains("pg_sleep"),
        "{r:#}"
    );
    assert_eq!(r["checks"][0]["runbook"]["id"], "slow-statements");
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(steps.contains("GENERIC_PLAN") && steps.contains("pg_sleep"), "{steps}");
    assert!(steps.contains("\\\"public\\\".pg_stat_statements_reset()"), "{steps}");

    let crit = slow(&url, &["--warning", "50ms", "--critical", "100ms"]);
    assert_eq!(crit.code, 2, "{}", crit.all());
    assert_eq!(crit.json()["status"], "critical");

    let calm = slow(
        &url,
        &[
            "--warning",
            "10s",
            "--critical",
            "1m",
            "--core-warning",
            "1000%",
            "--core-critical",
            "1000%",
        ],
    );
    assert_eq!(calm.code, 0, "{}", calm.all());
    let r = calm.json();
    assert!(r["checks"][0]["runbook"].is_null(), "{r:#}");
    // Ordered server-side and cut there too.
    let one = slow(
        &url,
        &["--by", "calls", "--limit", "1", "--warning", "10s", "--critical", "1m"],
    )
    .json();
    assert_eq!(statements(&one).len(), 1);
}

/// A statement run only before the first snapshot is not in the window; one run while the tool
/// waits for the second is, with its calls in the window only.
#[test]
fn interval_reports_only_what_ran_between_the_snapshots() {
    let pg = pg_with_statements();
    pg.psql(&[
        "CREATE TABLE slow_before_window (id int)",
        "CREATE TABLE slow_during_window (id int)",
        "INSERT INTO slow_before_window VALUES (1)",
        "INSERT INTO slow_during_window VALUES (1)",
        "SELECT pg_sleep(0.3) FROM slow_before_window",
        "SELECT pg_sleep(0.2) FROM slow_during_window",
    ]);
    let url = pg.url("postgres", "postgres");
    let (code, r) = with_interval(
        &url,
        &["--by", "mean", "--warning", "100ms", "--critical", "1h"],
        || pg.psql(&["SELECT pg_sleep(0.2) FROM slow_during_window"]),
    );
    assert_eq!(code, 1, "{r:#}");
    let listed = statements(&r);
    let during: Vec<_> = listed
        .iter()
        .filter(|s| s["query"].as_str().unwrap().contains("slow_during_window"))
        .collect();
    assert_eq!(during.len(), 1, "{r:#}");
    assert_eq!(during[0]["calls"], 1, "only the call in the window: {r:#}");
    assert!(
        !listed
            .iter()
            .any(|s| s["query"].as_str().unwrap().contains("slow_before_window")),
        "{r:#}"
    );
    assert!(
        r["checks"][0]["summary"].as_str().unwrap().contains("in the last 8s"),
        "{r:#}"
    );
}

/// Somebody resets the statistics while the tool waits: the report says so, and the window
/// counts from the reset instead of subtracting counters that no longer exist.
#[test]
fn stats_reset_between_the_snapshots_is_said_and_counted_from_the_reset() {
    let pg = pg_with_statements();
    pg.psql(&["SELECT pg_sleep(0.2)", "SELECT pg_sleep(0.2)", "SELECT pg_sleep(0.2)"]);
    let url = pg.url("postgres", "postgres");
    let (code, r) = with_interval(
        &url,
        &["--by", "mean", "--warning", "100ms", "--critical", "1h"],
        || pg.psql(&["SELECT pg_stat_statements_reset()", "SELECT pg_sleep(0.2)"]),
    );
    assert_eq!(code, 1, "{r:#}");
    let notes = r["checks"][0]["notes"].to_string();
    assert!(notes.contains("reset between the snapshots"), "{r:#}");
    let sleep: Vec<_> = statements(&r)
        .into_iter()
        .filter(|s| s["query"].as_str().unwrap().contains("pg_sleep"))
        .collect();
    assert_eq!(sleep.len(), 1, "{r:#}");
    assert_eq!(sleep[0]["calls"], 1, "the call after the reset only: {r:#}");
}

#[test]
fn extension_not_created_on_a_preloaded_server_says_create_extension() {
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["shared_preload_libraries=pg_stat_statements"],
        ..PgOptions::default()
    });
    let run = slow(&pg.url("postgres", "postgres"), &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    let r = run.json();
    let summary = r["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("already preloaded") && summary.contains("CREATE EXTENSION pg_stat_statements"),
        "{summary}"
    );
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(
        steps.contains("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"),
        "{steps}"
    );
    assert!(!steps.contains("systemctl restart"), "no restart needed: {steps}");
}

/// The shared server has no pg_stat_statements: the advice names the preload and the restart.
#[test]
fn no_pg_stat_statements_on_the_server_says_preload_restart_and_create() {
    let run = slow(&shared_pg_url(), &[]);
    let r = run.json();
    let summary = r["checks"][0]["summary"].as_str().unwrap();
    if !summary.contains("not installed") {
        eprintln!("skipped: the shared server has pg_stat_statements now: {summary}");
        return;
    }
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        summary.contains("shared_preload_libraries") && summary.contains("restart"),
        "{summary}"
    );
    assert!(
        r["checks"][0]["runbook"]["steps"]
            .to_string()
            .contains("systemctl restart postgresql")
    );
}

/// Without statement statistics, slow as one of diagnose's every check is OK and says it did
/// not judge (stock servers have none, and every diagnosis of them would otherwise be
/// UNKNOWN); asked for by name with `--only` it is UNKNOWN, as its own subcommand is.
#[test]
fn without_statistics_diagnose_says_not_judged_and_only_slow_is_unknown() {
    for url in [shared_pg_url(), shared_mysql_url()] {
        let run = dbrunbook(&["diagnose", "--url", &url, "--format", "json"]);
        let r = run.json();
        let slow = r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "slow")
            .unwrap()
            .clone();
        let summary = slow["summary"].as_str().unwrap();
        if !summary.starts_with("not judged") {
            eprintln!("skipped: the shared server keeps statement statistics now: {summary}");
            continue;
        }
        assert_eq!(slow["status"], "ok", "{slow:#}");
        assert!(
            summary.contains("pg_stat_statements") || summary.contains("performance_schema"),
            "{summary}"
        );
        assert!(slow["notes"].to_string().contains("dbrunbook slow"), "{slow:#}");

        let run = dbrunbook(&["diagnose", "--url", &url, "--only", "slow", "--format", "json"]);
        assert_eq!(run.code, 3, "{}", run.all());
        let r = run.json();
        assert_eq!(r["checks"][0]["status"], "unknown", "{r:#}");
    }
}

#[test]
fn role_without_pg_read_all_stats_is_not_ok_and_gets_the_grant() {
    let pg = pg_with_statements();
    pg.psql(&[
        "CREATE ROLE slow_watcher LOGIN",
        "SELECT count(*) FROM generate_series(1, 1000)",
    ]);
    let run = slow(
        &pg.url("slow_watcher", "postgres"),
        &[
            "--warning",
            "10s",
            "--critical",
            "1m",
            "--core-warning",
            "1000%",
            "--core-critical",
            "1000%",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    let r = run.json();
    let summary = r["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.contains("GRANT pg_monitor TO \"slow_watcher\""), "{summary}");
    let steps = r["checks"][0]["runbook"]["steps"].as_array().unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s["sql"] == "GRANT pg_read_all_stats TO \"slow_watcher\";"),
        "{steps:#?}"
    );
}

#[test]
fn mariadb_sleep_statement_tops_the_digest_list() {
    let db = ThrowawayMaria::start_with(20, &["--performance-schema=ON"]);
    let url = db.url("root");
    let mut held = Held::new();
    held.mysql(&url, 1, "SELECT SLEEP(0.3)");
    held.mysql(&url, 1, "SELECT SLEEP(0.3)");
    let run = slow(
        &url,
        &[
            "--by",
            "mean",
            "--warning",
            "100ms",
            "--critical",
            "1h",
            "--core-critical",
            "1000%",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let r = run.json();
    let top = &statements(&r)[0];
    assert!(top["query"].as_str().unwrap().contains("SLEEP"), "{r:#}");
    assert_eq!(top["calls"], 2, "{top:#}");
    assert!(top["digest"].as_str().is_some_and(|d| !d.is_empty()), "{top:#}");
    assert_eq!(r["checks"][0]["runbook"]["id"], "slow-statements");

    let calm = slow(
        &url,
        &[
            "--warning",
            "10s",
            "--critical",
            "1m",
            "--core-warning",
            "1000%",
            "--core-critical",
            "1000%",
        ],
    );
    assert_eq!(calm.code, 0, "{}", calm.all());
}

/// The digest table, compared between two snapshots: matched by (schema, digest).
#[test]
fn mariadb_interval_reports_only_what_ran_between_the_snapshots() {
    let db = ThrowawayMaria::start_with(20, &["--performance-schema=ON"]);
    let url = db.url("root");
    let mut held = Held::new();
    held.mysql(&url, 1, "SELECT SLEEP(0.3) AS slow_before_window");
    held.mysql(&url, 1, "SELECT SLEEP(0.2) AS slow_during_window");
    let (code, r) = with_interval(
        &url,
        &["--by", "mean", "--warning", "100ms", "--critical", "1h"],
        || {
            Held::new().mysql(&url, 1, "SELECT SLEEP(0.2) AS slow_during_window");
        },
    );
    assert_eq!(code, 1, "{r:#}");
    let listed = statements(&r);
    let during: Vec<_> = listed
        .iter()
        .filter(|s| s["query"].as_str().unwrap().contains("slow_during_window"))
        .collect();
    assert_eq!(during.len(), 1, "{r:#}");
    assert_eq!(during[0]["calls"], 1, "only the call in the window: {r:#}");
    assert!(
        !listed
            .iter()
            .any(|s| s["query"].as_str().unwrap().contains("slow_before_window")),
        "{r:#}"
    );
}

/// performance_schema off but the slow log written to a table: the statements come from it.
#[test]
fn slow_log_table_is_read_when_performance_schema_is_off() {
    let db = ThrowawayMaria::start_with(
        20,
        &["--log-output=TABLE", "--slow-query-log=ON", "--long-query-time=0.1"],
    );
    let url = db.url("root");
    let mut held = Held::new();
    held.mysql(&url, 1, "SELECT SLEEP(0.3)");
    // The slow log gets the statement when it ends: polled, not slept for.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let run = loop {
        let run = slow(
            &url,
            &[
                "--by",
                "mean",
                "--warning",
                "100ms",
                "--critical",
                "1h",
                "--core-critical",
                "1000%",
            ],
        );
        if run.code == 1 || std::time::Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(run.code, 1, "{}", run.all());
    let r = run.json();
    let top = &statements(&r)[0];
    assert!(top["query"].as_str().unwrap().contains("SLEEP(0.3)"), "{r:#}");
    assert!(r["checks"][0]["notes"].to_string().contains("mysql.slow_log"), "{r:#}");
}

/// The shared MariaDB runs with performance_schema off, as MariaDB does by default.
#[test]
fn performance_schema_off_says_how_to_enable_it() {
    let run = slow(&shared_mysql_url(), &[]);
    let r = run.json();
    let summary = r["checks"][0]["summary"].as_str().unwrap();
    if !summary.contains("performance_schema is off") {
        eprintln!("skipped: the shared MariaDB has performance_schema on: {summary}");
        return;
    }
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        summary.contains("performance_schema=ON") && summary.contains("restart"),
        "{summary}"
    );
    let steps = r["checks"][0]["runbook"]["steps"].to_string();
    assert!(steps.contains("systemctl restart mariadb"), "{steps}");
}

/// Bad input is said before any connection: the URL's port has nothing listening.
#[test]
fn interval_longer_than_the_timeout_is_refused_before_connecting() {
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let run = dbrunbook(&["slow", "--url", &url, "--interval", "1m", "--timeout", "10s"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.all().contains("--interval 1m does not fit in --timeout 10s"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains("cannot connect"), "{}", run.all());

    let bad = dbrunbook(&["slow", "--url", &url, "--interval", "soon"]);
    assert_eq!(bad.code, 3, "{}", bad.all());
    assert!(
        bad.all().contains("--interval: invalid duration 'soon'"),
        "{}",
        bad.all()
    );
    let by = dbrunbook(&["slow", "--url", &url, "--by", "median"]);
    assert_eq!(by.code, 3, "{}", by.all());
    assert!(by.all().contains("use total, mean or calls"), "{}", by.all());
}
