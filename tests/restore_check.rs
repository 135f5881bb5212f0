//! `dbrunbook restore-check` on the shared servers: real dumps made here with pg_dump and
//! mariadb-dump from databases of this file's own (`dbrunbook_rc_*`), restored into scratch
//! databases the tool creates, counted and compared with the source; and its safety rules: no
//! restore into the source, nothing dropped that this run did not create and mark.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::{
    PgOptions, ThrowawayPg, dbrunbook, findings, pg_bin, shared_maria_tool, shared_mariadb, shared_mysql_url,
    shared_pg_url,
};

fn pg_dump(db: &ScratchPg, format: &str, out: &Path) {
    let st = Command::new(pg_bin("pg_dump"))
        .args(["-d", &db.url(), format, "-f"])
        .arg(out)
        .status()
        .unwrap();
    assert!(st.success(), "pg_dump {format} failed");
}

fn mariadb_dump(db: &ScratchMaria, out: &Path) {
    let dump = shared_maria_tool("mariadb-dump").arg(&db.name).output().unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    std::fs::write(out, dump.stdout).unwrap();
}

/// A source with two tables in two schemas: 1,500 and 40 rows.
fn pg_source(tag: &str) -> ScratchPg {
    let db = ScratchPg::new(tag);
    db.sql(
        "CREATE TABLE orders (id int PRIMARY KEY, note text); \
         INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 1500) g; \
         CREATE SCHEMA audit; CREATE TABLE audit.events (id int); \
         INSERT INTO audit.events SELECT generate_series(1, 40);",
    );
    db
}

fn restore(backup: &Path, scratch_url: &str, source_url: Option<&str>, extra: &[&str]) -> crate::support::Run {
    let backup = backup.to_str().unwrap();
    // The test servers' accounts are superusers (postgres, root): these tests' own dumps are
    // trusted. The refusal without --trust-backup has its own test.
    let mut args = vec![
        "restore-check",
        backup,
        "--scratch-url",
        scratch_url,
        "--format",
        "json",
        "--trust-backup",
    ];
    if let Some(url) = source_url {
        args.extend(["--url", url]);
    }
    args.extend(extra);
    dbrunbook(&args)
}

fn metric(report: &serde_json::Value, name: &str) -> f64 {
    crate::support::metric_of(&report["checks"][0], name).unwrap_or_else(|| panic!("no metric {name}: {report:#}"))
}

fn scratch_name(report: &serde_json::Value) -> (String, String) {
    let f = findings(report, "scratch");
    assert_eq!(f.len(), 1, "{report:#}");
    (
        f[0]["database"].as_str().unwrap().to_string(),
        f[0]["state"].as_str().unwrap().to_string(),
    )
}

fn psql_value(url: &str, sql: &str) -> String {
    let out = Command::new(pg_bin("psql"))
        .args(["-X", "-At", "-d", url, "-c", sql])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn pg_database_exists(name: &str) -> bool {
    psql_value(
        &shared_pg_url(),
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'"),
    ) == "1"
}

fn pg_drop(name: &str) {
    psql_value(
        &shared_pg_url(),
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    );
}

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("dbrunbook-rc-").tempdir().unwrap()
}

/// Restores `format` from a fresh source and checks the verdict, counts and cleanup.
fn pg_round_trip(tag: &str, format: &str, file: &str) {
    let src = pg_source(tag);
    let dir = tmp();
    let path: PathBuf = dir.path().join(file);
    pg_dump(&src, format, &path);
    let run = restore(&path, &shared_pg_url(), Some(&src.url()), &[]);
    let report = run.json();
    assert_eq!(run.code, 0, "{report:#}\n{}", run.stderr);
    assert_eq!(report["status"], "ok");
    assert_eq!(metric(&report, "tables"), 2.0);
    assert_eq!(metric(&report, "rows"), 1540.0);
    assert_eq!(metric(&report, "differences"), 0.0);
    assert!(metric(&report, "restore_bytes") > 0.0);
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.contains("matches the source (2 table(s))"), "{summary}");
    let (name, state) = scratch_name(&report);
    assert!(name.starts_with("dbrunbook_restore_"), "{name}");
    assert_eq!(state, "dropped");
    assert!(!pg_database_exists(&name), "{name} is still there");
}

#[test]
fn pg_custom_dump_restores_with_the_source_row_counts() {
    pg_round_trip("rc_custom", "-Fc", "app.dump");
}

#[test]
fn pg_plain_dump_restores_with_the_source_row_counts() {
    pg_round_trip("rc_plain", "-Fp", "app.sql");
}

#[test]
fn pg_tar_dump_restores_with_the_source_row_counts() {
    pg_round_trip("rc_tar", "-Ft", "app.tar");
}

#[test]
fn pg_directory_dump_restores_with_the_source_row_counts() {
    pg_round_trip("rc_dir", "-Fd", "app.dir");
}

#[test]
fn pg_create_dump_gzipped_restores_into_the_scratch_database_not_its_own() {
    let src = pg_source("rc_create");
    let dir = tmp();
    let plain = dir.path().join("app.sql");
    // --create: CREATE DATABASE and \connect to the source's own name, which must not be obeyed.
    pg_dump(&src, "--create", &plain);
    assert!(Command::new("gzip").arg(&plain).status().unwrap().success());
    let run = restore(&dir.path().join("app.sql.gz"), &shared_pg_url(), Some(&src.url()), &[]);
    let report = run.json();
    assert_eq!(report["status"], "ok", "{report:#}");
    assert_eq!(metric(&report, "rows"), 1540.0);
    let notes = report["checks"][0]["notes"].to_string();
    assert!(notes.contains("statement(s) of the dump were skipped"), "{notes}");
}

#[test]
fn mariadb_dump_restores_with_the_source_row_counts() {
    let src = ScratchMaria::new("rc_maria");
    src.sql(
        "CREATE TABLE orders (id int PRIMARY KEY, note varchar(40)); \
         INSERT INTO orders SELECT seq, md5(seq) FROM seq_1_to_1200; \
         CREATE TABLE events (id int); INSERT INTO events VALUES (1), (2), (3);",
    );
    let dir = tmp();
    let path = dir.path().join("app.sql");
    mariadb_dump(&src, &path);
    let scratch = shared_mysql_url();
    let run = restore(&path, &scratch, Some(&src.url()), &[]);
    let report = run.json();
    assert_eq!(run.code, 0, "{report:#}");
    assert_eq!(metric(&report, "tables"), 2.0);
    assert_eq!(metric(&report, "rows"), 1203.0);
    assert_eq!(metric(&report, "differences"), 0.0);
    let (name, state) = scratch_name(&report);
    assert_eq!(state, "dropped");
    assert_eq!(shared_mariadb(&format!("SHOW DATABASES LIKE '{name}'")), "");
}

#[test]
fn truncated_custom_archive_is_critical_with_pg_restores_error() {
    let src = pg_source("rc_trunc");
    let dir = tmp();
    let full = dir.path().join("full.dump");
    pg_dump(&src, "-Fc", &full);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let run = restore(&cut, &shared_pg_url(), None, &[]);
    let report = run.json();
    assert_eq!(run.code, 2, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("failed") && summary.contains("pg_restore: error"),
        "{summary}"
    );
    let (name, state) = scratch_name(&report);
    assert_eq!(state, "dropped");
    assert!(!pg_database_exists(&name));
}

#[test]
fn plain_dump_cut_short_is_critical_though_psql_succeeded() {
    let src = pg_source("rc_plaincut");
    let dir = tmp();
    let full = dir.path().join("full.sql");
    pg_dump(&src, "-Fp", &full);
    let text = std::fs::read_to_string(&full).unwrap();
    // Cut right after the first table's data: what is there restores without an error.
    let end = text.find("\\.\n").unwrap() + 3;
    let cut = dir.path().join("cut.sql");
    std::fs::write(&cut, &text[..end]).unwrap();
    let run = restore(&cut, &shared_pg_url(), None, &[]);
    let report = run.json();
    assert_eq!(run.code, 2, "{report:#}");
    assert!(report["checks"][0]["summary"].as_str().unwrap().contains("ends early"));
}

#[test]
fn zstd_dump_cut_short_is_critical_with_the_decoders_complaint() {
    // Large enough for several zstd blocks: the start decodes, the cut shows only later.
    let src = ScratchPg::new("rc_zstdcut");
    src.sql("CREATE TABLE big AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 100000) g");
    let dir = tmp();
    let plain = dir.path().join("full.sql");
    pg_dump(&src, "-Fp", &plain);
    let zipped = dir.path().join("full.sql.zst");
    let st = Command::new("zstd")
        .args(["-q", "-f", "-o"])
        .arg(&zipped)
        .arg(&plain)
        .status()
        .expect("zstd");
    assert!(st.success());
    // A backup job killed while writing: the stream stops mid-frame.
    let bytes = std::fs::read(&zipped).unwrap();
    let cut = dir.path().join("cut.sql.zst");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let run = restore(&cut, &shared_pg_url(), None, &[]);
    let report = run.json();
    assert_eq!(run.code, 2, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("could not be decompressed") && summary.contains("zstd: "),
        "{summary}"
    );
    assert!(!pg_database_exists(&scratch_name(&report).0), "{report:#}");
}

#[test]
fn table_added_to_the_source_after_the_dump_is_missing_critical() {
    let src = pg_source("rc_missing");
    let dir = tmp();
    let path = dir.path().join("app.dump");
    pg_dump(&src, "-Fc", &path);
    src.sql("CREATE TABLE invoices (id int); INSERT INTO orders SELECT g, 'late' FROM generate_series(1501, 1550) g;");
    let run = restore(&path, &shared_pg_url(), Some(&src.url()), &[]);
    let report = run.json();
    assert_eq!(run.code, 2, "{report:#}");
    let diffs = findings(&report, "difference");
    let missing = diffs
        .iter()
        .find(|d| d["table"] == "public.invoices")
        .expect("invoices reported");
    assert_eq!(missing["problem"], "missing from the restore");
    // 50 of 1,550 rows newer than the dump: within the 10% tolerance, a difference all the same.
    let orders = diffs
        .iter()
        .find(|d| d["table"] == "public.orders")
        .expect("orders reported");
    assert_eq!(orders["source_rows"], 1550);
    assert_eq!(orders["restored_rows"], 1500);
    assert_eq!(orders["source_counted"], "exact");
}

#[test]
fn rows_added_to_the_source_within_tolerance_are_a_warning() {
    let src = pg_source("rc_moved");
    let dir = tmp();
    let path = dir.path().join("app.dump");
    pg_dump(&src, "-Fc", &path);
    src.sql("INSERT INTO audit.events VALUES (41), (42);");
    let run = restore(&path, &shared_pg_url(), Some(&src.url()), &["--row-tolerance", "10%"]);
    let report = run.json();
    assert_eq!(run.code, 1, "{report:#}");
    let diffs = findings(&report, "difference");
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(diffs[0]["table"], "audit.events");
    assert_eq!(diffs[0]["problem"], "fewer rows than the source");
}

#[test]
fn scratch_url_that_is_the_source_is_refused_and_nothing_is_created() {
    // A server of its own, so "nothing created" can be checked on all of it.
    let pg = ThrowawayPg::start(PgOptions::default());
    pg.psql(&["CREATE DATABASE app", "CREATE TABLE t (a int)"]);
    let dir = tmp();
    let path = dir.path().join("app.dump");
    let st = Command::new(pg.bin("pg_dump"))
        .args(["-d", &pg.url("postgres", "app"), "-Fc", "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(st.success());
    // The same server and database under another host name.
    let scratch = format!("postgres://postgres@localhost:{}/app", pg.port);
    let run = restore(&path, &scratch, Some(&pg.url("postgres", "app")), &[]);
    let report = run.json();
    assert_eq!(run.code, 3, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("refusing to restore") && summary.contains("--i-know-this-is-production"),
        "{summary}"
    );
    assert!(findings(&report, "scratch").is_empty());
    let made = psql_value(
        &pg.url("postgres", "postgres"),
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'dbrunbook_restore_%'",
    );
    assert_eq!(made, "0");

    // With explicit consent it restores, into a new scratch database on that server.
    let run = restore(
        &path,
        &scratch,
        Some(&pg.url("postgres", "app")),
        &["--i-know-this-is-production"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn keep_leaves_the_scratch_database_with_its_marker() {
    let src = pg_source("rc_keep");
    let dir = tmp();
    let path = dir.path().join("app.dump");
    pg_dump(&src, "-Fc", &path);
    let run = restore(&path, &shared_pg_url(), None, &["--keep"]);
    let report = run.json();
    assert_eq!(run.code, 0, "{report:#}");
    let (name, state) = scratch_name(&report);
    assert_eq!(state, "kept");
    assert!(pg_database_exists(&name));
    let comment = psql_value(
        &shared_pg_url(),
        &format!("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'"),
    );
    assert!(comment.starts_with("dbrunbook restore-check scratch copy"), "{comment}");
    let copied = psql_value(
        &format!("postgres://postgres@127.0.0.1:5432/{name}"),
        "SELECT count(*) FROM orders",
    );
    pg_drop(&name);
    assert_eq!(copied, "1500");
}

#[test]
fn scratch_database_whose_marker_changed_is_not_dropped() {
    // A dump that rewrites its database's comment: the marker no longer reads back as this
    // run's, so the tool must leave the database alone and say so.
    let dir = tmp();
    let path = dir.path().join("hijack.sql");
    std::fs::write(
        &path,
        "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\n\
         DO $$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'someone else'); END $$;\n\
         --\n-- PostgreSQL database dump complete\n--\n",
    )
    .unwrap();
    let run = restore(&path, &shared_pg_url(), None, &[]);
    let report = run.json();
    let (name, state) = scratch_name(&report);
    let still_there = pg_database_exists(&name);
    pg_drop(&name);
    assert_eq!(state, "left behind", "{report:#}");
    assert!(still_there);
    assert_eq!(run.code, 1);
    let notes = report["checks"][0]["notes"].to_string();
    assert!(
        notes.contains("refusing to drop") && notes.contains("someone else"),
        "{notes}"
    );
}

#[test]
fn unmarked_database_with_the_scratch_prefix_is_never_dropped() {
    let bystander = format!("dbrunbook_restore_19700101t000000_{:08x}", std::process::id());
    pg_drop(&bystander);
    psql_value(&shared_pg_url(), &format!("CREATE DATABASE \"{bystander}\""));
    let src = pg_source("rc_bystander");
    let dir = tmp();
    let path = dir.path().join("app.dump");
    pg_dump(&src, "-Fc", &path);
    let run = restore(&path, &shared_pg_url(), None, &[]);
    let survived = pg_database_exists(&bystander);
    pg_drop(&bystander);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(survived, "{bystander} was dropped");
}

#[test]
fn restore_past_the_timeout_is_stopped_and_the_scratch_database_dropped() {
    let dir = tmp();
    let path = dir.path().join("slow.sql");
    std::fs::write(
        &path,
        "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\nSELECT pg_sleep(60);\n\
         --\n-- PostgreSQL database dump complete\n--\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let run = restore(&path, &shared_pg_url(), None, &["--timeout", "2s"]);
    let report = run.json();
    assert!(started.elapsed().as_secs() < 30, "took {:?}", started.elapsed());
    assert_eq!(run.code, 3, "{report:#}");
    assert!(
        report["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("did not finish within --timeout 2s")
    );
    let (name, state) = scratch_name(&report);
    assert_eq!(state, "dropped");
    assert!(!pg_database_exists(&name));
}

/// The deadline comes while CREATE DATABASE waits for a lock: the server may still finish the
/// CREATE after the tool has gone, leaving a database without the marker that would let a
/// later run recognise it. The report names it and says how to drop it.
#[test]
fn a_timeout_while_creating_the_scratch_database_names_it_and_how_to_drop_it() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let dir = tmp();
    let path = dir.path().join("small.sql");
    std::fs::write(
        &path,
        "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\n\
         --\n-- PostgreSQL database dump complete\n--\n",
    )
    .unwrap();
    // SHARE on pg_database lets connections in (they read it) but holds up the row a CREATE
    // DATABASE inserts.
    let mut locker = Command::new(pg.bin("psql"))
        .args([
            "-X",
            "-q",
            "-d",
            &pg.url("postgres", "postgres"),
            "-c",
            "BEGIN; LOCK TABLE pg_catalog.pg_database IN SHARE MODE; SELECT pg_sleep(60);",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let held = "SELECT count(*) FROM pg_locks WHERE relation = 'pg_catalog.pg_database'::regclass \
                AND mode = 'ShareLock' AND granted";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while psql_value(&pg.url("postgres", "postgres"), held) != "1" {
        assert!(std::time::Instant::now() < deadline, "the lock was never taken");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // A deadline that connecting and the privilege checks cannot use up on a loaded machine,
    // and that the 60 s lock outlasts: it comes during CREATE DATABASE.
    let run = restore(&path, &pg.url("postgres", "postgres"), None, &["--timeout", "10s"]);
    let _ = locker.kill();
    let _ = locker.wait();
    let report = run.json();
    assert_eq!(run.code, 3, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("ran out of --timeout")
            && summary.contains("DROP DATABASE \"dbrunbook_restore_")
            && !summary.contains("needs CREATEDB"),
        "{summary}"
    );
}

#[test]
fn pg_dumpall_file_is_refused_before_anything_is_created() {
    let dir = tmp();
    let path = dir.path().join("all.sql");
    std::fs::write(&path, "--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE x;\n").unwrap();
    let run = restore(&path, &shared_pg_url(), None, &[]);
    let report = run.json();
    assert_eq!(run.code, 3);
    assert!(report["checks"][0]["summary"].as_str().unwrap().contains("pg_dumpall"));
    assert!(findings(&report, "scratch").is_empty());
}

#[test]
fn restore_interrupted_by_sigint_still_drops_the_scratch_database() {
    let dir = tmp();
    let path = dir.path().join("slow.sql");
    // A sleep only this test runs, to find its restore among the others on the shared server.
    let sleep = format!("pg_sleep(60.{})", std::process::id());
    std::fs::write(
        &path,
        format!(
            "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\nSELECT {sleep};\n\
             --\n-- PostgreSQL database dump complete\n--\n"
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_dbrunbook"))
        .args([
            "restore-check",
            path.to_str().unwrap(),
            "--scratch-url",
            &shared_pg_url(),
            "--format",
            "json",
            "--trust-backup",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let running = || {
        psql_value(
            &shared_pg_url(),
            &format!(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%{sleep}%' AND datname LIKE 'dbrunbook_restore_%'"
            ),
        ) == "1"
    };
    let started = std::time::Instant::now();
    while !running() {
        assert!(started.elapsed().as_secs() < 30, "the restore never reached its sleep");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // SAFETY: a plain kill(2) of the child this test spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a report after Ctrl-C");
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert!(
        report["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("interrupted")
    );
    let (name, state) = scratch_name(&report);
    assert_eq!(state, "dropped");
    assert!(!pg_database_exists(&name));
}

#[test]
fn scratch_server_with_a_password_gets_it_by_environment_and_never_shows_it() {
    const PASSWORD: &str = "restore-horse-battery";
    let pg = ThrowawayPg::start(PgOptions {
        password: Some(PASSWORD),
        ..PgOptions::default()
    });
    let src = pg_source("rc_password");
    let dir = tmp();
    let path = dir.path().join("app.dump");
    pg_dump(&src, "-Fc", &path);
    let scratch = format!("postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres", pg.port);
    let run = restore(&path, &scratch, Some(&src.url()), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains(PASSWORD), "{}", run.all());
    assert_eq!(metric(&run.json(), "rows"), 1540.0);

    // A failing restore quotes pg_restore's error: still no password in it.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let run = restore(&cut, &scratch, None, &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("pg_restore: error"), "{}", run.stdout);
    assert!(!run.all().contains(PASSWORD), "{}", run.all());
}

#[test]
fn plain_dump_with_psql_commands_mid_line_runs_none_of_them() {
    // From a review: the line guard sees the start of a line only, and psql runs a backslash
    // command anywhere in one. Under the tool's `\restrict` key psql refuses them all.
    let dir = tmp();
    let witness = dir.path().join("shell-ran");
    let dump = dir.path().join("hostile.sql");
    std::fs::write(
        &dump,
        format!(
            "CREATE TABLE t (a int);\nSELECT 2; \\c postgres\nCREATE TABLE rc_escaped (a int);\n\
             SELECT 1; \\! touch {w}\n-- PostgreSQL database dump complete\n",
            w = witness.display()
        ),
    )
    .unwrap();
    let run = restore(&dump, &shared_pg_url(), None, &[]);
    let report = run.json();
    assert_eq!(run.code, 2, "{report:#}");
    assert!(!witness.exists(), "a shell command of the dump ran");
    assert!(
        !pg_database_exists("rc_escaped")
            && psql_value(
                &shared_pg_url(),
                "SELECT count(*) FROM pg_class WHERE relname = 'rc_escaped'"
            ) == "0",
        "the dump reconnected and wrote outside the scratch database"
    );
    let (name, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{name}: {report:#}");
}

#[test]
fn superuser_scratch_account_is_refused_without_trust_backup_and_nothing_is_created() {
    let src = pg_source("rc_trust");
    let dir = tmp();
    let dump = dir.path().join("t.dump");
    pg_dump(&src, "-Fc", &dump);
    // A scratch server of its own, so "nothing created" can be checked on all of it (the shared
    // one has other tests' scratch databases come and go).
    let scratch = ThrowawayPg::start(PgOptions::default());
    let scratch_url = scratch.url("postgres", "postgres");
    let run = dbrunbook(&[
        "restore-check",
        dump.to_str().unwrap(),
        "--scratch-url",
        &scratch_url,
        "--format",
        "json",
    ]);
    let report = run.json();
    assert_eq!(run.code, 3, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("SUPERUSER") && summary.contains("--trust-backup") && summary.contains("CREATEDB"),
        "{summary}"
    );
    let made = psql_value(
        &scratch_url,
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'dbrunbook\\_restore\\_%'",
    );
    assert_eq!(made, "0", "a scratch database was created");
}

#[test]
fn createdb_only_account_restores_without_trust_backup() {
    let src = pg_source("rc_createdb");
    let dir = tmp();
    let dump = dir.path().join("t.dump");
    pg_dump(&src, "-Fc", &dump);
    psql_value(
        &shared_pg_url(),
        "DO $$ BEGIN CREATE ROLE rc_restorer LOGIN CREATEDB; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    );
    let url = shared_pg_url().replacen("postgres@", "rc_restorer@", 1);
    let run = dbrunbook(&[
        "restore-check",
        dump.to_str().unwrap(),
        "--scratch-url",
        &url,
        "--format",
        "json",
    ]);
    let report = run.json();
    assert_eq!(run.code, 0, "{report:#}");
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}

#[test]
fn plain_dump_with_a_line_without_end_is_stopped_not_read_into_memory() {
    // A corrupt file: pg_dump's header, then 300 MiB without a line end (sparse, so cheap here).
    let dir = tmp();
    let dump = dir.path().join("endless.sql");
    {
        let mut f = std::fs::File::create(&dump).unwrap();
        use std::io::Write as _;
        f.write_all(b"--\n-- PostgreSQL database dump\n--\n\nSELECT 1;\n")
            .unwrap();
        let len = f.metadata().unwrap().len();
        f.set_len(len + (300 << 20)).unwrap();
    }
    let run = restore(&dump, &shared_pg_url(), None, &[]);
    let report = run.json();
    assert_ne!(run.code, 0, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.contains("a line longer than 256 MiB"), "{summary}");
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}

/// A LOGIN CREATEDB role and nothing more, as the README recommends, with no settings left
/// from an earlier run.
fn createdb_only_role(name: &str) -> String {
    psql_value(
        &shared_pg_url(),
        &format!(
            "DO $$ BEGIN CREATE ROLE {name} LOGIN CREATEDB; EXCEPTION WHEN duplicate_object THEN NULL; END $$; \
             ALTER ROLE {name} RESET ALL"
        ),
    );
    shared_pg_url().replacen("postgres@", &format!("{name}@"), 1)
}

fn role_settings(name: &str) -> String {
    psql_value(
        &shared_pg_url(),
        &format!(
            "SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = '{name}'"
        ),
    )
}

fn restore_as(dump: &Path, url: &str) -> (crate::support::Run, serde_json::Value) {
    let run = dbrunbook(&[
        "restore-check",
        dump.to_str().unwrap(),
        "--scratch-url",
        url,
        "--format",
        "json",
    ]);
    let report = run.json();
    (run, report)
}

#[test]
fn hostile_plain_dump_mid_line_creates_no_database_and_changes_no_role_setting() {
    // From a probe of #21: the line guard read line starts only, so with a CREATEDB-only account
    // both statements persisted and the report named neither.
    let url = createdb_only_role("rc_hostile");
    pg_drop("pwned_by_dump");
    let dir = tmp();
    let dump = dir.path().join("hostile.sql");
    std::fs::write(
        &dump,
        "SET standard_conforming_strings = on;\nCREATE TABLE t (a int);\nSELECT 1; CREATE DATABASE pwned_by_dump;\n\
         SELECT 2; ALTER ROLE CURRENT_USER SET search_path = pwned, public;\n-- PostgreSQL database dump complete\n",
    )
    .unwrap();
    let (run, report) = restore_as(&dump, &url);
    assert_eq!(run.code, 2, "{report:#}");
    assert!(!pg_database_exists("pwned_by_dump"), "the dump created a database");
    assert_eq!(role_settings("rc_hostile"), "0", "the dump changed the role's settings");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("line 3: it tries to create database pwned_by_dump")
            && summary.contains("line 4: it tries to change a role (ALTER ROLE CURRENT_USER SET search_path"),
        "{summary}"
    );
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}

#[test]
fn hostile_dynamic_sql_changing_the_role_is_rolled_back_by_the_fence() {
    // No statement names ALTER ROLE: the guard cannot see it, the fence before COMMIT does.
    let url = createdb_only_role("rc_hostile_dyn");
    let dir = tmp();
    let dump = dir.path().join("dynamic.sql");
    std::fs::write(
        &dump,
        "CREATE TABLE t (a int);\nDO $x$ BEGIN EXECUTE 'ALTER ' || 'ROLE CURRENT_USER SET work_mem = ''1234kB'''; \
         END $x$;\n-- PostgreSQL database dump complete\n",
    )
    .unwrap();
    let (run, report) = restore_as(&dump, &url);
    assert_eq!(run.code, 2, "{report:#}");
    assert_eq!(role_settings("rc_hostile_dyn"), "0", "the role setting persisted");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("rolled back") && summary.contains("work_mem=1234kB"),
        "{summary}"
    );
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}

#[test]
fn plain_dump_with_its_own_transactions_restores_as_one() {
    // pg_dump writes BEGIN/COMMIT around large objects: dropped, the restore stays one
    // transaction, and a createdb-only account restores it.
    let url = createdb_only_role("rc_plain_tx");
    let dir = tmp();
    let dump = dir.path().join("tx.sql");
    std::fs::write(
        &dump,
        "CREATE TABLE t (a int);\nBEGIN;\nINSERT INTO t VALUES (1), (2);\nCOMMIT;\nCOPY t (a) FROM stdin;\n3\n\\.\n\
         -- PostgreSQL database dump complete\n",
    )
    .unwrap();
    let (run, report) = restore_as(&dump, &url);
    assert_eq!(run.code, 0, "{report:#}");
    assert_eq!(metric(&report, "rows"), 3.0, "{report:#}");
}

#[test]
fn hostile_mysqldump_creates_no_database_and_grants_nothing() {
    shared_mariadb(
        "CREATE USER IF NOT EXISTS rc_hostile@'%'; \
         GRANT ALL ON `dbrunbook\\_restore\\_%`.* TO rc_hostile@'%'; \
         DROP DATABASE IF EXISTS dbrunbook_restore_pwned",
    );
    // No database in the URL: the account may reach only scratch databases.
    let shared = shared_mysql_url().replacen("root@", "rc_hostile@", 1);
    let url = shared
        .rsplit_once('/')
        .map(|(server, _)| server.to_string())
        .unwrap_or(shared);
    let dir = tmp();
    let dump = dir.path().join("hostile.sql");
    std::fs::write(
        &dump,
        "CREATE TABLE t (a int);\nSELECT 1; CREATE DATABASE dbrunbook_restore_pwned;\n\
         SELECT 2; /*!40101 SET GLOBAL max_connections = 3 */;\n-- Dump completed\n",
    )
    .unwrap();
    let before = shared_mariadb("SELECT @@GLOBAL.max_connections");
    let (run, report) = restore_as(&dump, &url);
    assert_eq!(run.code, 2, "{report:#}");
    assert_eq!(shared_mariadb("SHOW DATABASES LIKE 'dbrunbook\\_restore\\_pwned'"), "");
    assert_eq!(shared_mariadb("SELECT @@GLOBAL.max_connections"), before);
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("create database dbrunbook_restore_pwned") && summary.contains("SET GLOBAL"),
        "{summary}"
    );
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}

#[test]
fn a_fifo_given_as_the_backup_is_refused_at_once_with_unknown() {
    // From #21: restore-check on a FIFO hung forever and ignored --timeout.
    let dir = tmp();
    let fifo = dir.path().join("backup.sql");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let run = dbrunbook(&[
        "restore-check",
        fifo.to_str().unwrap(),
        "--scratch-url",
        &shared_pg_url(),
        "--format",
        "json",
        "--timeout",
        "20s",
    ]);
    let report = run.json();
    assert_eq!(run.code, 3, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(summary.contains("not a regular file or directory (a FIFO"), "{summary}");
}

#[test]
fn a_url_given_as_the_backup_is_printed_without_its_password() {
    // From #21: `cannot read the backup postgres://app:PW@…` (BACKUP and --url swapped).
    for format in ["json", "table", "nagios", "prometheus"] {
        let run = dbrunbook(&[
            "restore-check",
            "postgres://app:Sentinel9PW@127.0.0.1:5432/app",
            "--scratch-url",
            &shared_pg_url(),
            "--format",
            format,
        ]);
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(!run.all().contains("Sentinel9PW"), "{format}: {}", run.all());
    }
}

#[test]
fn hostile_custom_archive_goes_through_the_guard_and_changes_no_role() {
    // An archive is SQL too: a TOC entry edited to run two statements. pg_restore ran it as
    // it was; now it is written out as SQL and read by the guard like a plain dump.
    let url = createdb_only_role("rc_hostile_arch");
    let src = ScratchPg::new("rc_hostile_arch");
    let comment = "A".repeat(60);
    src.sql(&format!("CREATE TABLE t (a int); COMMENT ON TABLE t IS '{comment}';"));
    let dir = tmp();
    let dump = dir.path().join("hostile.dump");
    pg_dump(&src, "-Fc", &dump);
    let original = format!("COMMENT ON TABLE public.t IS '{comment}';");
    let hostile = "SELECT 1; ALTER ROLE CURRENT_USER SET work_mem = '2345kB';";
    let hostile = format!("{hostile}{}", " ".repeat(original.len() - hostile.len()));
    let bytes = std::fs::read(&dump).unwrap();
    let at = bytes
        .windows(original.len())
        .position(|w| w == original.as_bytes())
        .expect("the comment is in the archive's table of contents");
    let mut edited = bytes.clone();
    edited[at..at + original.len()].copy_from_slice(hostile.as_bytes());
    std::fs::write(&dump, edited).unwrap();
    let (run, report) = restore_as(&dump, &url);
    assert_eq!(run.code, 2, "{report:#}");
    assert_eq!(
        role_settings("rc_hostile_arch"),
        "0",
        "the archive changed the role's settings"
    );
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("it tries to change a role (ALTER ROLE CURRENT_USER"),
        "{summary}"
    );
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}

#[test]
fn a_dump_with_a_trusted_extension_restores_under_a_createdb_only_account() {
    // From #19: a good dump with CREATE EXTENSION was CRITICAL under the account restore-check
    // asks for. pgcrypto is trusted (PostgreSQL 13+): a database owner may create it.
    let url = createdb_only_role("rc_ext");
    let src = ScratchPg::new("rc_ext");
    src.sql(
        "CREATE EXTENSION pgcrypto; CREATE TABLE t (a text DEFAULT gen_random_uuid()::text); \
         INSERT INTO t DEFAULT VALUES;",
    );
    let dir = tmp();
    for (format, file) in [("-Fp", "ext.sql"), ("-Fc", "ext.dump")] {
        let dump = dir.path().join(file);
        pg_dump(&src, format, &dump);
        let (run, report) = restore_as(&dump, &url);
        assert_eq!(run.code, 0, "{format}: {report:#}");
        assert_eq!(metric(&report, "rows"), 1.0, "{report:#}");
    }
}

#[test]
fn an_extension_the_scratch_server_lacks_is_told_apart_from_a_broken_dump() {
    let url = createdb_only_role("rc_noext");
    let dir = tmp();
    let dump = dir.path().join("noext.sql");
    std::fs::write(
        &dump,
        "CREATE EXTENSION IF NOT EXISTS dbrunbook_no_such_ext WITH SCHEMA public;\nCREATE TABLE t (a int);\n\
         -- PostgreSQL database dump complete\n",
    )
    .unwrap();
    let (run, report) = restore_as(&dump, &url);
    assert_eq!(run.code, 3, "{report:#}");
    let summary = report["checks"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("the scratch server lacks the extension dbrunbook_no_such_ext"),
        "{summary}"
    );
    let (_, state) = scratch_name(&report);
    assert_eq!(state, "dropped", "{report:#}");
}
