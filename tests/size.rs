//! The size check against real servers: a table bloated on purpose, transaction ID age driven
//! up on a throwaway PostgreSQL with a prepared transaction holding the horizon, growth between
//! two snapshots while rows are inserted, a role that may not connect to some databases, and
//! InnoDB free space after a purge on MariaDB.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::*;

fn size(url: &str, args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["size", "--url", url, "--format", "json"];
    all.extend_from_slice(args);
    let r = dbrunbook(&all);
    let json = r.json();
    (r, json)
}

fn step_sql(report: &serde_json::Value) -> Vec<String> {
    report["checks"][0]["runbook"]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| s["sql"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn table_with_most_rows_deleted_shows_estimated_bloat_and_warns() {
    let db = ScratchPg::new("size_bloat");
    db.sql(
        "CREATE TABLE bloated (id int PRIMARY KEY, pad text NOT NULL) WITH (autovacuum_enabled = false);
         INSERT INTO bloated SELECT g, repeat('x', 100) FROM generate_series(1, 60000) g;
         DELETE FROM bloated WHERE id % 10 <> 0;
         ANALYZE bloated;",
    );
    let (r, report) = size(
        &db.url(),
        &[
            "--bloat-min-size",
            "1MB",
            "--bloat-warning",
            "50%",
            "--bloat-critical",
            "99%",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert_eq!(report["status"], "warning");
    let check = &report["checks"][0];
    assert!(
        check["summary"].as_str().unwrap().contains("table public.bloated"),
        "{}",
        check["summary"]
    );
    let bloat = findings(&report, "bloat");
    let table = bloat
        .iter()
        .find(|f| f["table"] == "bloated" && f["relation"] == "table")
        .unwrap_or_else(|| panic!("no bloat row for the table: {bloat:#?}"));
    let percent = table["bloat_percent"].as_f64().unwrap();
    assert!(
        (70.0..99.0).contains(&percent),
        "90% of rows deleted, estimate {percent}%"
    );
    assert_eq!(table["severity"], "warning");
    assert!(
        check["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("estimate") && n.as_str().unwrap().contains("ANALYZE")),
        "the output says it is an estimate that needs ANALYZE: {:#}",
        check["notes"]
    );
    assert_eq!(check["runbook"]["id"], "table-bloat");
    let sql = step_sql(&report);
    assert!(
        sql.iter()
            .any(|s| s == "VACUUM (VERBOSE, ANALYZE) \"public\".\"bloated\";"),
        "{sql:#?}"
    );

    // Under the default minimum size (100MB) the same table is not judged.
    let (r, _) = size(&db.url(), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn xid_age_past_the_threshold_names_the_oldest_tables_and_the_prepared_transaction_holding_the_horizon() {
    let pg = ThrowawayPg::start(PgOptions {
        prepared_transactions: 2,
        ..PgOptions::default()
    });
    // A forgotten two-phase commit, then 20,000 transactions: it holds the horizon back by
    // that much. Each loop iteration commits, so each takes a transaction ID of its own.
    pg.psql(&[
        "BEGIN; CREATE TABLE aging (id int); PREPARE TRANSACTION 'size-forgotten'",
        "DO $$ BEGIN FOR i IN 1..20000 LOOP PERFORM pg_catalog.txid_current(); COMMIT; END LOOP; END $$",
    ]);
    let url = pg.url("postgres", "postgres");
    // 0.0005% of 2^31 is about 10,700 transactions: below the age just built, far above a
    // fresh server's.
    let (r, report) = size(&url, &["--xid-warning", "0.0005%", "--xid-critical", "50%"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let check = &report["checks"][0];
    let age = metric_of(check, "max_xid_age").unwrap();
    assert!(age >= 20_000.0, "the reported age is the one built: {age}");
    let summary = check["summary"].as_str().unwrap();
    assert!(
        summary.contains("transaction ID age") && summary.contains("database postgres"),
        "{summary}"
    );
    assert!(!findings(&report, "oldest_tables").is_empty());
    let horizon = findings(&report, "horizon");
    assert_eq!(
        horizon[0]["holder"], "prepared transaction 'size-forgotten'",
        "{horizon:#?}"
    );
    assert!(horizon[0]["xmin_age"].as_i64().unwrap() >= 20_000);
    assert_eq!(check["runbook"]["id"], "wraparound-risk");
    let sql = step_sql(&report);
    assert!(
        sql.iter().any(|s| s == "ROLLBACK PREPARED 'size-forgotten';"),
        "{sql:#?}"
    );
    assert!(
        sql.iter().any(|s| s.starts_with("VACUUM (FREEZE, VERBOSE) ")),
        "{sql:#?}"
    );

    // With the default thresholds (50% of the limit) the same server is fine.
    let (r, _) = size(&url, &[]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn rows_inserted_during_the_interval_show_as_growth_in_bytes_per_second() {
    let db = ScratchPg::new("size_growth");
    db.sql("CREATE TABLE growing (id int, pad text)");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "size",
            "-v",
            "--url",
            &db.url(),
            "--interval",
            "10s",
            "--limit",
            "500",
            "--format",
            "json",
        ])
        .env_remove("DBRUNBOOK_RUNBOOKS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running dbrunbook");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines();
    let started = Instant::now();
    loop {
        let line = lines
            .next()
            .expect("dbrunbook ended before it said it was waiting")
            .unwrap();
        if line.contains("waiting") && line.contains("second snapshot") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no waiting message");
    }
    // About 10 MB while the tool waits between its snapshots (an interval that a loaded
    // machine's psql start, insert and WAL flush fit in).
    db.sql("INSERT INTO growing SELECT g, repeat('y', 200) FROM generate_series(1, 40000) g");
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let out = child.wait_with_output().unwrap();
    drain.join().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let check = &report["checks"][0];
    let growth = metric_of(check, "growth_bytes_per_second").unwrap_or_else(|| panic!("no growth metric: {check:#}"));
    assert!(growth > 0.0, "{check:#}");
    let dbs = findings(&report, "databases");
    let mine = dbs
        .iter()
        .find(|d| d["database"] == db.name.as_str())
        .expect("the scratch database is listed");
    let own = mine["growth_bytes_per_second"].as_f64().unwrap();
    assert!(own > 1_000_000.0 / 10.0, "about 10 MB in 10s: {own} bytes/s");
    let tables = findings(&report, "tables");
    let growing = tables
        .iter()
        .find(|t| t["table"] == "growing")
        .expect("the table is listed");
    assert!(
        growing["growth_bytes_per_second"].as_f64().unwrap() > 0.0,
        "{growing:#}"
    );
}

#[test]
fn databases_the_role_may_not_connect_to_are_skipped_and_counted() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&[
        "CREATE ROLE sizer LOGIN",
        "CREATE DATABASE locked_away",
        "REVOKE CONNECT ON DATABASE locked_away FROM PUBLIC",
    ]);
    let (r, report) = size(&pg.url("sizer", "postgres"), &["--databases", "all"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let check = &report["checks"][0];
    let skipped = metric_of(check, "databases_skipped").unwrap_or_else(|| panic!("no skipped count: {check:#}"));
    assert_eq!(skipped, 1.0);
    let dbs = findings(&report, "databases");
    let locked = dbs.iter().find(|d| d["database"] == "locked_away").unwrap();
    assert!(locked["bytes"].is_null());
    assert!(locked["xid_age"].as_i64().is_some(), "its age is shown all the same");
    let notes = check["notes"].to_string();
    assert!(notes.contains("1 database(s) were not sized"), "{notes}");
    assert!(notes.contains("GRANT pg_read_all_stats TO \\\"sizer\\\""), "{notes}");
}

/// By default only the connected database is sized: sizing every database reads every file of
/// every database, once per target of a fleet on that server. Transaction ID ages still cover
/// every database, since wraparound anywhere stops the whole server.
#[test]
fn only_the_connected_database_is_sized_unless_all_are_asked_for() {
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&["CREATE DATABASE other_one", "CREATE DATABASE other_two"]);
    let (r, report) = size(&pg.url("postgres", "other_one"), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    let check = &report["checks"][0];
    let listed: Vec<_> = findings(&report, "databases")
        .iter()
        .map(|d| d["database"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["other_one"], "{check:#}");
    let summary = check["summary"].as_str().unwrap();
    assert!(summary.contains(" in database other_one"), "{summary}");

    // Once the connected database is frozen, the oldest transaction IDs are another one's: the
    // summary names it, so the list shows it too, unsized.
    pg.psql_as("postgres", "other_one", &["VACUUM FREEZE"]);
    let (_, frozen) = size(&pg.url("postgres", "other_one"), &[]);
    let summary = frozen["checks"][0]["summary"].as_str().unwrap();
    let oldest = summary
        .split("oldest transaction ID age ")
        .nth(1)
        .and_then(|rest| rest.split(" in database ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no oldest database in: {summary}"));
    assert_ne!(oldest, "other_one", "{summary}");
    let row = findings(&frozen, "databases")
        .into_iter()
        .find(|d| d["database"] == oldest)
        .unwrap_or_else(|| panic!("{oldest} named but not listed: {frozen:#}"));
    assert_eq!(row["size"], "not sized (--databases current)", "{row:#}");
    assert!(row["xid_age"].is_i64());
    assert!(check["notes"].to_string().contains("--databases all"), "{check:#}");
    assert!(
        !check["metrics"].to_string().contains("databases_skipped"),
        "nothing was skipped: {check:#}"
    );

    let (r, report) = size(&pg.url("postgres", "other_one"), &["--databases", "all"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let listed: Vec<_> = findings(&report, "databases")
        .iter()
        .map(|d| d["database"].as_str().unwrap().to_string())
        .collect();
    for db in ["other_one", "other_two", "postgres", "template1"] {
        assert!(listed.iter().any(|l| l == db), "{db} in {listed:?}");
    }
    assert!(findings(&report, "databases").iter().all(|d| d["bytes"].is_i64()));
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.contains(" database(s)"), "{summary}");
}

#[test]
fn mariadb_sizes_the_connected_schema_or_every_schema_when_asked_or_when_the_url_names_none() {
    let mine = ScratchMaria::new("size_scope_a");
    let theirs = ScratchMaria::new("size_scope_b");
    mine.sql("CREATE TABLE mine_t (id INT PRIMARY KEY) ENGINE=InnoDB");
    theirs.sql("CREATE TABLE theirs_t (id INT PRIMARY KEY) ENGINE=InnoDB");
    let schemas = |report: &serde_json::Value| -> Vec<String> {
        findings(report, "databases")
            .iter()
            .map(|d| d["database"].as_str().unwrap().to_string())
            .collect()
    };
    let tables = |report: &serde_json::Value| -> Vec<String> {
        findings(report, "tables")
            .iter()
            .map(|d| d["table"].as_str().unwrap().to_string())
            .collect()
    };
    let (r, report) = size(&mine.url(), &["--limit", "1000"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(schemas(&report), std::slice::from_ref(&mine.name), "{report:#}");
    assert_eq!(tables(&report), ["mine_t"]);

    let (_, report) = size(&mine.url(), &["--databases", "all", "--limit", "1000"]);
    let all = schemas(&report);
    assert!(all.contains(&mine.name) && all.contains(&theirs.name), "{all:?}");
    assert!(tables(&report).contains(&"theirs_t".to_string()));

    let url = mine.url();
    let (base, _) = url.rsplit_once('/').unwrap();
    let (_, report) = size(base, &["--limit", "1000"]);
    let all = schemas(&report);
    assert!(
        all.contains(&mine.name) && all.contains(&theirs.name),
        "no database in the URL: {all:?}"
    );
}

#[test]
fn innodb_table_with_most_rows_deleted_shows_data_free_as_reclaimable() {
    let db = ScratchMaria::new("size_free");
    db.sql(
        "CREATE TABLE purged (id INT AUTO_INCREMENT PRIMARY KEY, pad CHAR(200) NOT NULL DEFAULT 'x') ENGINE=InnoDB;
         INSERT INTO purged (pad) SELECT 'x' FROM seq_1_to_100000;
         DELETE FROM purged WHERE id > 5000;",
    );
    // InnoDB frees the pages once purge has run; its statistics then show them as DATA_FREE.
    let deadline = Instant::now() + Duration::from_secs(30);
    let report = loop {
        db.sql("ANALYZE TABLE purged");
        let (_, report) = size(
            &db.url(),
            &[
                "--bloat-min-size",
                "10MB",
                "--bloat-warning",
                "50%",
                "--bloat-critical",
                "99.9%",
            ],
        );
        let found = findings(&report, "bloat")
            .into_iter()
            .any(|f| f["schema"] == db.name.as_str() && f["table"] == "purged" && f["severity"] == "warning");
        if found {
            break report;
        }
        assert!(Instant::now() < deadline, "DATA_FREE never showed: {report:#}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let row = findings(&report, "bloat")
        .into_iter()
        .find(|f| f["schema"] == db.name.as_str() && f["table"] == "purged")
        .unwrap();
    assert!(row["bloat_bytes"].as_i64().unwrap() > 10 << 20, "{row:#}");
    assert!(row["reclaimable"].is_string());
    let check = &report["checks"][0];
    assert_ne!(check["status"], "ok");
    assert!(
        check["notes"].to_string().contains("estimates"),
        "InnoDB figures are estimates"
    );
    assert_eq!(check["runbook"]["id"], "table-bloat");
    let sql = step_sql(&report);
    let optimize = format!("OPTIMIZE TABLE `{}`.`purged`;", db.name);
    assert!(sql.contains(&optimize), "{sql:#?}");
}

#[test]
fn bad_interval_or_minimum_size_is_reported_before_connecting() {
    // Nothing listens on port 1: a connection attempt would say so instead.
    let url = "postgres://postgres@127.0.0.1:1/postgres";
    for (flag, value, said) in [
        ("--interval", "soon", "--interval: invalid duration 'soon'"),
        ("--interval", "0s", "must be greater than zero"),
        ("--bloat-min-size", "12XB", "unknown unit 'XB'"),
        ("--databases", "every", "use current (the connected database) or all"),
    ] {
        let (r, report) = size(url, &[flag, value]);
        assert_eq!(r.code, 3, "{}", r.all());
        let summary = report["checks"][0]["summary"].as_str().unwrap();
        assert!(summary.contains(said), "{flag} {value}: {summary}");
        assert!(report["target"]["server_version"].is_null());
    }
}
