//! The JSON contract of every check on both engines, pinned by checked-in files in
//! `tests/golden/` (`size` and `migrations` have their own files beside this one): each test
//! builds a real incident with the helpers of that check's own tests, runs the check, and
//! compares the report after masking what varies (tests/support/golden.rs). After an intended
//! change: `DBRUNBOOK_BLESS=1 cargo test --test tests golden`, and review the diff.

use crate::support::golden::Golden;
use crate::support::*;

/// Runs `dbrunbook ARGS --format json`, asserting the exit code first: a golden pins one state.
fn report(args: &[&str], exit: i32) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let run = dbrunbook(&all);
    assert_eq!(run.code, exit, "{}", run.all());
    run.stdout
}

#[test]
fn connect_golden_postgres_restarted_moments_ago() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let url = pg.url("postgres", "postgres");
    let got = report(&["connect", "--url", &url, "--restarted-within", "1h"], 1);
    Golden::new("connect_postgres").assert(&got, |_| {});
}

#[test]
fn connect_golden_mariadb_restarted_moments_ago() {
    let db = ThrowawayMaria::start(20);
    let got = report(&["connect", "--url", &db.url("root"), "--restarted-within", "1h"], 1);
    Golden::new("connect_mysql").assert(&got, |_| {});
}

#[test]
fn pool_golden_postgres_at_80_percent() {
    // 13 slots, 3 reserved for superusers: 10 usable, 8 of them held by an ordinary role.
    let pg = ThrowawayPg::start(PgOptions {
        max_connections: 13,
        superuser_reserved: 3,
        ..Default::default()
    });
    pg.psql(&["CREATE ROLE filler LOGIN"]);
    let conn = |app: &str| format!("{} application_name={app}", pg.keyvalue("filler", "postgres"));
    let mut held = Held::new();
    held.pg(&conn("checkout-api"), 6, "");
    held.pg(&conn("reports"), 2, "BEGIN; SELECT 1");
    let got = report(&["pool", "--url", &pg.url("postgres", "postgres")], 1);
    Golden::new("pool_postgres").assert(&got, |_| {});
}

#[test]
fn pool_golden_mariadb_at_80_percent() {
    let (db, _held) = crate::pool_mysql::mariadb_at_80_percent();
    let got = report(&["pool", "--url", &db.url("root")], 1);
    Golden::new("pool_mysql").assert(&got, |_| {});
}

#[test]
fn queries_golden_postgres_idle_in_transaction() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let mut held = Held::new();
    let conninfo = format!("{} application_name=forgetful", pg.keyvalue("postgres", "postgres"));
    held.pg(&conninfo, 1, "BEGIN; SELECT 1");
    let url = pg.url("postgres", "postgres");
    let args = [
        "queries",
        "--url",
        &url,
        "--idle-warning",
        "1s",
        "--idle-critical",
        "1h",
    ];
    let got = poll(&args, |r| r["status"] == "warning");
    Golden::new("queries_postgres").assert(&got.to_string(), |_| {});
}

#[test]
fn queries_golden_mariadb_long_statement() {
    let db = ThrowawayMaria::start(20);
    let root = db.url("root");
    let mut held = Held::new();
    held.mysql_background(&root, "SELECT SLEEP(60) /* nightly */");
    let args = ["queries", "--url", &root, "--warning", "1s", "--critical", "1h"];
    let got = poll(&args, |r| r["status"] == "warning");
    Golden::new("queries_mysql").assert(&got.to_string(), |_| {});
}

#[test]
fn locks_golden_postgres_row_lock_chain() {
    let pg = crate::locks_postgres::setup();
    // One waiter: whether a second one queues behind the first or beside it is a race.
    let (_held, got) = crate::locks_postgres::row_lock_chain(&pg, 1);
    assert_eq!(got["status"], "warning");
    Golden::new("locks_postgres").assert(&got.to_string(), |_| {});
}

#[test]
fn locks_golden_mariadb_row_lock_chain() {
    let (_db, url, mut held) = crate::locks_mysql::setup();
    // One waiter: whether a second one queues behind the first or beside it is a race.
    let got = crate::locks_mysql::row_lock_chain(&url, &mut held, 1);
    assert_eq!(got["status"], "warning");
    Golden::new("locks_mysql").assert(&got.to_string(), |_| {});
}

#[test]
fn slow_golden_postgres_pg_stat_statements() {
    let pg = crate::slow::pg_with_statements();
    // One call: a statement called once is judged by its mean alone, so the verdict does not
    // hang on how long the server had been counting (its share of a core would).
    // Counted from a reset: the server's own start-up statements, slow on a loaded machine,
    // could otherwise be the worst mean or cost more in all.
    pg.psql(&["SELECT pg_stat_statements_reset()", "SELECT pg_sleep(0.3)"]);
    let url = pg.url("postgres", "postgres");
    let args = ["--by", "mean", "--warning", "100ms", "--critical", "1h", "--limit", "1"];
    let run = crate::slow::slow(&url, &args);
    assert_eq!(run.code, 1, "{}", run.all());
    Golden::new("slow_postgres").assert(&run.stdout, |_| {});
}

#[test]
fn slow_golden_mariadb_performance_schema() {
    let db = ThrowawayMaria::start_with(20, &["--performance-schema=ON"]);
    let url = db.url("root");
    let mut held = Held::new();
    // One call, judged by its mean alone (see the PostgreSQL golden).
    // Counted from a reset, as on PostgreSQL.
    held.mysql(
        &url,
        1,
        "TRUNCATE TABLE performance_schema.events_statements_summary_by_digest",
    );
    held.mysql(&url, 1, "SELECT SLEEP(0.3)");
    let args = ["--by", "mean", "--warning", "100ms", "--critical", "1h", "--limit", "1"];
    let run = crate::slow::slow(&url, &args);
    assert_eq!(run.code, 1, "{}", run.all());
    // The digest is a hash of the statement's text, and so only as stable as MariaDB's tokeniser.
    let digest = findings(&run.json(), "statements")[0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    Golden::new("slow_mysql")
        .mask(&digest, "<digest>")
        .assert(&run.stdout, |_| {});
}

#[test]
fn backups_golden_postgres_one_dump_cut_short() {
    use crate::backups::{age, cut, pg_dump, pg_source};
    let src = pg_source("gold_bk");
    let dir = tempfile::tempdir().unwrap();
    let complete = dir.path().join("app_2026-11-24.dump");
    pg_dump(&src.url(), "c", &complete);
    age(&complete, "1 hour ago");
    // Old enough not to be taken for a dump still being written.
    let cut_short = dir.path().join("app_2026-11-25.sql");
    pg_dump(&src.url(), "p", &cut_short);
    cut(&cut_short, 0.66);
    age(&cut_short, "10 minutes ago");
    let path = dir.path().to_str().unwrap();
    let got = report(&["backups", "--url", &shared_pg_url(), "--dir", path], 2);
    Golden::new("backups_postgres").mask(path, "<dir>").assert(&got, |_| {});
}

#[test]
fn backups_golden_mariadb_one_dump_cut_short() {
    use crate::backups::{age, cut, maria_source, mariadb_dump};
    let src = maria_source("gold_bk");
    let dir = tempfile::tempdir().unwrap();
    let complete = dir.path().join("shop_2026-11-24.sql");
    mariadb_dump(&src, &[], &complete);
    age(&complete, "1 hour ago");
    // Old enough not to be taken for a dump still being written.
    let cut_short = dir.path().join("shop_2026-11-25.sql");
    mariadb_dump(&src, &[], &cut_short);
    cut(&cut_short, 0.66);
    age(&cut_short, "10 minutes ago");
    let path = dir.path().to_str().unwrap();
    let got = report(&["backups", "--url", &shared_mysql_url(), "--dir", path], 2);
    Golden::new("backups_mysql").mask(path, "<dir>").assert(&got, |_| {});
}
