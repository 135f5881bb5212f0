//! The backups check against real dumps made here with pg_dump (plain, custom, directory, tar)
//! and mariadb-dump, cut short, emptied, aged and compressed the way real backup jobs break;
//! WAL archiving on throwaway PostgreSQL servers, binary logs on the shared and a throwaway
//! MariaDB, and a real pgBackRest stanza when pgbackrest is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::*;

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sh(script: &str) {
    run(Command::new("sh").args(["-c", script]), script);
}

/// A scratch database on the shared PostgreSQL with two tables and a large object.
pub(crate) fn pg_source(tag: &str) -> ScratchPg {
    let db = ScratchPg::new(tag);
    db.sql(
        "CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 20000) g; \
         CREATE TABLE users AS SELECT g AS id FROM generate_series(1, 500) g; \
         SELECT lo_from_bytea(0, 'attachment');",
    );
    db
}

/// `pg_dump` of `url` in `format` (p, c, d, t) to `out`.
pub(crate) fn pg_dump(url: &str, format: &str, out: &Path) {
    run(
        Command::new(pg_bin("pg_dump"))
            .args(["-d", url, "-F", format, "-f"])
            .arg(out),
        "pg_dump",
    );
}

pub(crate) fn mariadb_dump(db: &ScratchMaria, extra: &[&str], out: &Path) {
    let dump = shared_maria_tool("mariadb-dump")
        .args(extra)
        .arg(&db.name)
        .output()
        .expect("mariadb-dump");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    std::fs::write(out, dump.stdout).unwrap();
}

pub(crate) fn maria_source(tag: &str) -> ScratchMaria {
    let db = ScratchMaria::new(tag);
    db.sql("CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(40)); INSERT INTO orders SELECT seq, MD5(seq) FROM seq_1_to_5000;");
    db
}

/// Keeps the first `share` of a file: a dump job killed part-way.
pub(crate) fn cut(path: &Path, share: f64) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..(bytes.len() as f64 * share) as usize]).unwrap();
}

pub(crate) fn age(path: &Path, ago: &str) {
    run(Command::new("touch").args(["-d", ago]).arg(path), "touch -d");
}

/// A directory holding one custom-format dump of `src`, `app_2026-11-21.dump`, 60 hours old.
fn stale_custom_dump(src: &ScratchPg) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app_2026-11-21.dump");
    pg_dump(&src.url(), "c", &file);
    age(&file, "60 hours ago");
    dir
}

/// `dbrunbook backups --format json` with these arguments.
fn backups(url: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["backups", "--url", url, "--format", "json"];
    all.extend(args);
    let r = dbrunbook(&all);
    (r.code, r.json())
}

fn check(report: &serde_json::Value) -> &serde_json::Value {
    &report["checks"][0]
}

fn backup_findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(report, "backup")
}

fn runbook_id(report: &serde_json::Value) -> String {
    check(report)["runbook"]["id"].as_str().unwrap_or("").to_string()
}

/// A throwaway PostgreSQL that archives WAL with `command`.
fn archiving_pg(command: &str) -> ThrowawayPg {
    let archive_command = format!("archive_command='{command}'");
    ThrowawayPg::start(PgOptions {
        settings: &[
            "wal_level=replica",
            "archive_mode=on",
            &archive_command,
            "archive_timeout=0",
        ],
        ..PgOptions::default()
    })
}

fn dir_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn fresh_complete_dumps_of_every_format_with_working_archiving_are_ok() {
    let pg = archiving_pg("true");
    pg.psql(&["CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 5000) g"]);
    let maria = maria_source("bk_fresh");
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url("postgres", "postgres");
    pg_dump(&url, "p", &dir.path().join("shop_plain_2026-11-24.sql"));
    pg_dump(&url, "c", &dir.path().join("shop_custom_2026-11-24.dump"));
    pg_dump(&url, "d", &dir.path().join("shop_dir_2026-11-24"));
    pg_dump(&url, "t", &dir.path().join("shop_tar_2026-11-24.tar"));
    mariadb_dump(&maria, &[], &dir.path().join("shop_maria_2026-11-24.sql"));
    std::fs::write(dir.path().join("SHA256SUMS"), "not a backup\n").unwrap();

    let (code, report) = backups(&url, &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(check(&report)["status"], "ok");
    let found = backup_findings(&report);
    let formats: Vec<&str> = found.iter().map(|f| f["format"].as_str().unwrap()).collect();
    for format in [
        "pg_dump plain",
        "pg_dump custom",
        "pg_dump directory",
        "pg_dump tar",
        "mysqldump",
    ] {
        assert!(formats.contains(&format), "{format} missing from {formats:?}");
    }
    assert!(found.iter().all(|f| f["completeness"] == "complete"), "{found:#?}");
    let notes = check(&report)["notes"].to_string();
    assert!(notes.contains("1 file(s) are not backups"), "{notes}");
}

#[test]
fn a_dump_sixty_hours_old_is_critical_and_stale() {
    let src = pg_source("bk_stale");
    let dir = stale_custom_dump(&src);
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 2, "{report:#}");
    let summary = check(&report)["summary"].as_str().unwrap();
    assert!(summary.contains("app: the newest backup is 2d12h old"), "{summary}");
    assert_eq!(runbook_id(&report), "backup-stale");
    assert_eq!(backup_findings(&report)[0]["status"], "critical");
}

#[test]
fn a_dump_thirty_hours_old_is_a_warning() {
    let src = pg_source("bk_warn");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.sql");
    pg_dump(&src.url(), "p", &file);
    age(&file, "30 hours ago");
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(backup_findings(&report)[0]["status"], "warning");
    assert_eq!(runbook_id(&report), "backup-stale");
}

/// A dump of `format` cut to two thirds must be CRITICAL with the backup-incomplete runbook.
fn truncated_is_critical(format: &str, name: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    if format == "maria" {
        let src = maria_source("bk_cut_maria");
        mariadb_dump(&src, &[], &file);
        cut(&file, 0.66);
    } else {
        let src = pg_source(&format!("bk_cut_{format}"));
        pg_dump(&src.url(), format, &file);
        if format == "d" {
            // A directory dump whose job died before writing the last table's data file.
            let data: Vec<PathBuf> = std::fs::read_dir(&file)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.to_string_lossy().ends_with(".dat.gz") && !p.to_string_lossy().contains("blob"))
                .collect();
            std::fs::remove_file(data.iter().max().unwrap()).unwrap();
        } else {
            cut(&file, 0.66);
        }
        if format == "c" {
            // The TOC comes first, so pg_restore --list still reads the cut file: why the
            // check walks the data blocks instead.
            run(
                Command::new(pg_bin("pg_restore")).arg("--list").arg(&file),
                "pg_restore --list",
            );
        }
    }
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(runbook_id(&report), "backup-incomplete");
    let finding = &backup_findings(&report)[0];
    assert_eq!(finding["status"], "critical");
    let completeness = finding["completeness"].as_str().unwrap();
    assert!(completeness.contains(expected), "{completeness}");
}

#[test]
fn a_truncated_plain_dump_is_critical() {
    truncated_is_critical("p", "app.sql", "trailer");
}

#[test]
fn a_truncated_custom_dump_is_critical_although_its_toc_lists_everything() {
    truncated_is_critical("c", "app.dump", "data block");
}

#[test]
fn a_directory_dump_missing_a_data_file_is_critical() {
    truncated_is_critical("d", "app_dir", "data file(s) are missing");
}

#[test]
fn a_truncated_tar_dump_is_critical() {
    truncated_is_critical("t", "app.tar", "cut short");
}

#[test]
fn a_truncated_mariadb_dump_is_critical() {
    truncated_is_critical("maria", "shop.sql", "Dump completed");
}

#[test]
fn a_compact_mariadb_dump_has_unknown_completeness_not_ok() {
    let src = maria_source("bk_compact");
    let dir = tempfile::tempdir().unwrap();
    mariadb_dump(&src, &["--compact"], &dir.path().join("shop.sql"));
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 3, "{report:#}");
    let finding = &backup_findings(&report)[0];
    assert_eq!(finding["status"], "unknown");
    assert!(finding["completeness"].as_str().unwrap().contains("--compact"));
}

#[test]
fn an_empty_dump_file_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app_2026-11-24.sql.gz"), b"").unwrap();
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 2, "{report:#}");
    assert!(
        check(&report)["summary"]
            .as_str()
            .unwrap()
            .contains("the file is empty")
    );
}

/// gzip, zstd, xz and bzip2 as their command-line tools write them.
const COMPRESSORS: &[(&str, &str)] = &[("gzip", "gz"), ("zstd", "zst"), ("xz", "xz"), ("bzip2", "bz2")];

#[test]
fn compressed_complete_dumps_are_read_through_and_ok() {
    let src = pg_source("bk_zip");
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.out");
    pg_dump(&src.url(), "p", &plain);
    for (tool, ext) in COMPRESSORS {
        let Some(_) = optional_program(tool, tool) else {
            continue;
        };
        sh(&format!(
            "{tool} -c < {} > {}/app_{ext}.sql.{ext}",
            plain.display(),
            dir.path().display()
        ));
    }
    std::fs::remove_file(&plain).unwrap();
    let (_, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    let found = backup_findings(&report);
    assert_eq!(found.len(), COMPRESSORS.len(), "{report:#}");
    for f in &found {
        assert_eq!(f["status"], "ok", "{f:#}");
        assert_eq!(f["completeness"], "complete", "{f:#}");
    }
}

#[test]
fn compressed_dumps_cut_short_are_critical() {
    let src = pg_source("bk_zipcut");
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.out");
    pg_dump(&src.url(), "p", &plain);
    for (tool, ext) in COMPRESSORS {
        let Some(_) = optional_program(tool, tool) else {
            continue;
        };
        let file = dir.path().join(format!("app_{ext}.sql.{ext}"));
        sh(&format!("{tool} -c < {} > {}", plain.display(), file.display()));
        cut(&file, 0.5);
    }
    std::fs::remove_file(&plain).unwrap();
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 2, "{report:#}");
    let found = backup_findings(&report);
    assert_eq!(found.len(), COMPRESSORS.len(), "{report:#}");
    for f in &found {
        assert_eq!(f["status"], "critical", "{f:#}");
    }
}

#[test]
fn a_directory_with_no_backups_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("backup.log"), "pg_dump: error: connection refused\n").unwrap();
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 2, "{report:#}");
    assert!(check(&report)["summary"].as_str().unwrap().contains("no backups in"));
    assert_eq!(runbook_id(&report), "backup-stale");
}

#[test]
fn a_missing_dump_directory_is_unknown_with_a_clear_message() {
    let (code, report) = backups(&shared_pg_url(), &["--dir", "/nonexistent/dbrunbook-backups"]);
    assert_eq!(code, 3, "{report:#}");
    assert!(
        check(&report)["summary"]
            .as_str()
            .unwrap()
            .contains("no such directory")
    );
}

#[test]
fn a_dump_far_smaller_than_the_previous_ones_is_a_size_drop() {
    let src = pg_source("bk_drop");
    let dir = tempfile::tempdir().unwrap();
    for day in 1..=5 {
        let file = dir.path().join(format!("app_2026-11-{:02}.sql", 18 + day));
        pg_dump(&src.url(), "p", &file);
        age(&file, &format!("{} days ago", 6 - day));
    }
    run(
        Command::new(pg_bin("pg_dump"))
            .args(["--schema-only", "-d", &src.url(), "-f"])
            .arg(dir.path().join("app_2026-11-24.sql")),
        "pg_dump --schema-only",
    );
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(runbook_id(&report), "backup-size-drop");
    let finding = &backup_findings(&report)[0];
    assert_eq!(finding["backups"], 6);
    assert!(finding["previous_median_bytes"].as_u64().unwrap() > finding["size_bytes"].as_u64().unwrap() * 2);
}

#[test]
fn a_glob_picks_only_matching_files() {
    let src = pg_source("bk_glob");
    let dir = tempfile::tempdir().unwrap();
    pg_dump(&src.url(), "c", &dir.path().join("app.dump"));
    std::fs::write(dir.path().join("old.sql"), b"").unwrap();
    let glob = format!("{}/*.dump", dir.path().display());
    let (_, report) = backups(&shared_pg_url(), &["--dir", &glob]);
    let found = backup_findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["status"], "ok");
}

#[test]
fn a_failing_archive_command_is_critical() {
    let pg = archiving_pg("false");
    let url = pg.url("postgres", "postgres");
    pg.psql(&[
        "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g",
        "SELECT pg_switch_wal()",
    ]);
    let report = poll(&["backups", "--url", &url], |r| {
        findings(r, "archiver")
            .first()
            .is_some_and(|a| a["failed_count"].as_i64().unwrap_or(0) > 0)
    });
    assert_eq!(check(&report)["status"], "critical", "{report:#}");
    assert_eq!(runbook_id(&report), "wal-archiving-failing");
    let summary = check(&report)["summary"].as_str().unwrap();
    assert!(summary.contains("WAL archiving is failing: 0000000"), "{summary}");
}

#[test]
fn archive_mode_off_is_said_and_a_warning_when_pitr_is_required() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let (code, report) = backups(&pg.url("postgres", "postgres"), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        check(&report)["summary"]
            .as_str()
            .unwrap()
            .contains("archive_mode is off")
    );
    let (code, report) = backups(&pg.url("postgres", "postgres"), &["--pitr", "required"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(runbook_id(&report), "no-point-in-time-recovery");
    assert!(
        check(&report)["summary"]
            .as_str()
            .unwrap()
            .contains("archive_mode is off")
    );
}

#[test]
fn mariadb_without_binary_logs_has_no_point_in_time_recovery() {
    let (code, report) = backups(&shared_mysql_url(), &["--pitr", "required"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(runbook_id(&report), "no-point-in-time-recovery");
    assert_eq!(findings(&report, "binlog")[0]["log_bin"], "OFF");
}

#[test]
fn mariadb_with_binary_logs_lists_them_and_is_ok() {
    let db = ThrowawayMaria::start_with(20, &["--log-bin=mysql-bin", "--server-id=1"]);
    let (code, report) = backups(&db.url("root"), &[]);
    assert_eq!(code, 0, "{report:#}");
    let binlog = &findings(&report, "binlog")[0];
    assert_eq!(binlog["log_bin"], "ON");
    assert!(binlog["files"].as_u64().unwrap() >= 1, "{binlog:#}");
    assert!(binlog["total_bytes"].as_u64().unwrap() > 0, "{binlog:#}");
}

#[test]
fn binary_logs_hidden_by_a_missing_privilege_are_unknown_with_the_grant() {
    let db = ThrowawayMaria::start_with(20, &["--log-bin=mysql-bin", "--server-id=1"]);
    let mut held = Held::new();
    held.mysql(
        &db.url("root"),
        1,
        "CREATE USER 'bk_watcher'@'%'; GRANT SELECT ON mysql.* TO 'bk_watcher'@'%'",
    );
    let (code, report) = backups(&db.url("bk_watcher"), &[]);
    assert_eq!(code, 3, "{report:#}");
    let summary = check(&report)["summary"].as_str().unwrap();
    assert!(
        summary.contains("GRANT BINLOG MONITOR ON *.* TO 'bk_watcher'@'%'"),
        "{summary}"
    );
}

#[test]
fn an_unreachable_server_still_reports_a_broken_dump() {
    let src = pg_source("bk_offline");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.dump");
    pg_dump(&src.url(), "c", &file);
    cut(&file, 0.5);
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let (code, report) = backups(&url, &["--dir", dir_str(dir.path()), "--connect-timeout", "2s"]);
    assert_eq!(code, 2, "{report:#}");
    let summary = check(&report)["summary"].as_str().unwrap();
    assert!(summary.contains("incomplete"), "{summary}");
    assert!(summary.contains("archiving and binary logs not checked"), "{summary}");
    assert_eq!(runbook_id(&report), "backup-incomplete");
}

#[test]
fn an_unreachable_server_with_good_dumps_is_unknown_not_ok() {
    let src = pg_source("bk_offline_ok");
    let dir = tempfile::tempdir().unwrap();
    pg_dump(&src.url(), "c", &dir.path().join("app.dump"));
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let (code, report) = backups(&url, &["--dir", dir_str(dir.path()), "--connect-timeout", "2s"]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(backup_findings(&report)[0]["status"], "ok");
}

#[test]
fn a_pgbackrest_stanza_with_a_fresh_full_backup_is_ok() {
    let Some(_) = optional_program("pgbackrest", "pgbackrest") else {
        return;
    };
    let work = tempfile::Builder::new().prefix("dbrunbook-pgbr-").tempdir().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let conf = work.path().join("pgbackrest.conf");
    let archive = format!("pgbackrest --config={} --stanza=demo archive-push %p", conf.display());
    let pg = archiving_pg(&archive);
    std::fs::write(
        &conf,
        format!(
            "[global]\nrepo1-path={}\nrepo1-retention-full=2\nlog-level-console=warn\nlog-level-file=off\nlock-path={}\nstart-fast=y\n\n[demo]\npg1-path={}\npg1-port={}\npg1-socket-path={}\n",
            repo.display(),
            work.path().join("lock").display(),
            pg.data_dir().display(),
            pg.port,
            pg.socket_dir().display()
        ),
    )
    .unwrap();
    chown_postgres(work.path());
    let pgbackrest = |args: &[&str]| {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", "pgbackrest"])
            .arg(format!("--config={}", conf.display()))
            .arg("--stanza=demo")
            .args(args);
        run(&mut cmd, &format!("pgbackrest {args:?}"));
    };
    pgbackrest(&["stanza-create"]);
    pgbackrest(&["--type=full", "backup"]);
    let conf_env = conf.display().to_string();
    let r = dbrunbook_env(
        &[
            "backups",
            "--url",
            &pg.url("postgres", "postgres"),
            "--pgbackrest-stanza",
            "demo",
            "--format",
            "json",
        ],
        &[("PGBACKREST_CONFIG", &conf_env)],
    );
    let report = r.json();
    assert_eq!(r.code, 0, "{report:#}");
    let stanza = &findings(&report, "pgbackrest")[0];
    assert_eq!(stanza["status_code"], 0, "{stanza:#}");
    assert!(stanza["newest_full"].as_str().unwrap().ends_with('F'), "{stanza:#}");
}

#[test]
fn a_pgbackrest_stanza_that_does_not_exist_is_critical() {
    let Some(_) = optional_program("pgbackrest", "pgbackrest") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let conf = work.path().join("pgbackrest.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]\nrepo1-path={}\nlog-level-console=warn\nlog-level-file=off\nlock-path={}\n",
            work.path().join("repo").display(),
            work.path().join("lock").display()
        ),
    )
    .unwrap();
    let conf_env = conf.display().to_string();
    let r = dbrunbook_env(
        &[
            "backups",
            "--url",
            &shared_pg_url(),
            "--pgbackrest-stanza",
            "missing",
            "--format",
            "json",
        ],
        &[("PGBACKREST_CONFIG", &conf_env)],
    );
    let report = r.json();
    assert_eq!(r.code, 2, "{report:#}");
    let summary = check(&report)["summary"].as_str().unwrap();
    assert!(summary.contains("pgBackRest stanza missing"), "{summary}");
}

#[test]
fn a_dump_too_long_to_read_within_the_timeout_is_unknown_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.sql.gz");
    // A plain dump's header, then 1 GB of zeros: a few MB compressed, long to decode.
    sh(&format!(
        "(printf -- '--\\n-- PostgreSQL database dump\\n--\\n'; head -c 1G /dev/zero) | gzip -1 > {}",
        file.display()
    ));
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let r = dbrunbook_within(
        &[
            "backups",
            "--url",
            &url,
            "--dir",
            dir_str(dir.path()),
            "--timeout",
            "1s",
            "--format",
            "json",
        ],
        std::time::Duration::from_secs(20),
    );
    let report = r.json();
    assert_eq!(r.code, 3, "{report:#}");
    // Stopped by its own deadline, the read says so in the finding; on a machine too busy to
    // get there, the run's deadline says it in the summary. Either way: UNKNOWN, in time.
    let said = check(&report).to_string();
    assert!(said.contains("--timeout"), "{report:#}");
    assert!(
        backup_findings(&report).iter().all(|f| f["status"] == "unknown"),
        "{report:#}"
    );
}

#[test]
fn a_dump_still_being_written_is_not_taken_for_a_broken_one() {
    let src = pg_source("bk_writing");
    let dir = tempfile::tempdir().unwrap();
    let done = dir.path().join("app_2026-11-23.dump");
    pg_dump(&src.url(), "c", &done);
    age(&done, "20 hours ago");
    let writing = dir.path().join("app_2026-11-24.dump");
    pg_dump(&src.url(), "c", &writing);
    cut(&writing, 0.5);
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 0, "{report:#}");
    let finding = &backup_findings(&report)[0];
    assert!(
        finding["file"].as_str().unwrap().ends_with("app_2026-11-23.dump"),
        "{finding:#}"
    );
    let notes = check(&report)["notes"].to_string();
    assert!(notes.contains("still being written"), "{notes}");
}

/// restore-check's name for `backup`: its refusal to restore it into a server of the other
/// engine says what it took the file for, before anything is connected or created.
fn restore_check_name(backup: &Path, engine_of_dump: &str) -> String {
    let other = if engine_of_dump == "postgres" {
        shared_mysql_url()
    } else {
        shared_pg_url()
    };
    let r = dbrunbook(&[
        "restore-check",
        backup.to_str().unwrap(),
        "--scratch-url",
        &other,
        "--format",
        "json",
    ]);
    let summary = r.json()["checks"][0]["summary"].as_str().unwrap().to_string();
    let (_, rest) = summary
        .split_once(" is a ")
        .unwrap_or_else(|| panic!("no name in {summary:?}"));
    rest.split_once(", but").map(|(name, _)| name.to_string()).unwrap()
}

#[test]
fn the_backups_check_and_restore_check_name_each_real_dump_alike() {
    let src = pg_source("bk_names");
    let maria = maria_source("bk_names");
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    pg_dump(&src.url(), "p", &path("plain.sql"));
    pg_dump(&src.url(), "c", &path("custom.dump"));
    pg_dump(&src.url(), "d", &path("directory"));
    pg_dump(&src.url(), "t", &path("tarred.tar"));
    pg_dump(&src.url(), "c", &path("zipped.out"));
    sh(&format!("zstd -q --rm {}", path("zipped.out").display()));
    mariadb_dump(&maria, &[], &path("maria.sql"));
    mariadb_dump(&maria, &["--compact"], &path("compact.out"));
    sh(&format!("xz {}", path("compact.out").display()));
    // The file, the dump's name, its engine, and the compression the check adds to the name.
    let expected = [
        ("plain.sql", "pg_dump plain", "postgres", None),
        ("custom.dump", "pg_dump custom", "postgres", None),
        ("directory", "pg_dump directory", "postgres", None),
        ("tarred.tar", "pg_dump tar", "postgres", None),
        ("zipped.out.zst", "pg_dump custom", "postgres", Some("zstd")),
        ("maria.sql", "mysqldump", "mysql", None),
        ("compact.out.xz", "mysqldump (no comments)", "mysql", Some("xz")),
    ];

    let (_, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    let found = backup_findings(&report);
    assert_eq!(found.len(), expected.len(), "{report:#}");
    for (file, name, engine, compression) in expected {
        let finding = found
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("{file} not found: {found:#?}"));
        let by_check = finding["format"].as_str().unwrap();
        let by_restore = restore_check_name(&path(file), engine);
        assert_eq!(by_restore, name, "restore-check on {file}");
        let with_compression = match compression {
            Some(c) => format!("{name} ({c})"),
            None => name.to_string(),
        };
        assert_eq!(by_check, with_compression, "the backups check on {file}");
    }
}

#[test]
fn a_stale_backup_under_a_glob_gets_steps_on_its_directory_not_a_quoted_glob() {
    // From #21: `--dir '/b/*.dump'` printed `ls -lt '/b/*.dump'`, a file named `*.dump`.
    let src = pg_source("bk_glob_steps");
    let dir = stale_custom_dump(&src);
    let glob = format!("{}/*.dump", dir.path().display());
    let (code, report) = backups(&shared_pg_url(), &["--dir", &glob]);
    assert_eq!(code, 2, "{report:#}");
    let steps = check(&report)["runbook"]["steps"].to_string();
    let quoted_dir = format!("ls -lt -- '{}'", dir.path().display());
    assert!(steps.contains(&quoted_dir), "{steps}");
    assert!(!steps.contains("*.dump'"), "a glob inside quotes: {steps}");
}

#[test]
fn proc_self_fd_is_not_read_as_backups_and_ends_in_time() {
    // From #21: `--dir /proc/self/fd` followed descriptors into a pipe and blocked past
    // --timeout. A pipe held open here (its write end too) would block a reading open forever.
    let mut child = Command::new("sleep")
        .arg("600")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The child's descriptors, not this process's: those include files other tests running
    // alongside have open (a dump being written is a backup). Its stdin is the pipe.
    let dir = format!("/proc/{}/fd", child.id());
    let (code, report) = backups(&shared_pg_url(), &["--dir", &dir, "--timeout", "20s"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(code == 2 || code == 3, "{report:#}");
    assert!(
        backup_findings(&report).is_empty(),
        "descriptors counted as backups: {report:#}"
    );
}

/// The shell line of the report's step whose command holds `marker`.
fn step_shell(report: &serde_json::Value, marker: &str) -> Option<String> {
    check(report)["runbook"]["steps"]
        .as_array()?
        .iter()
        .filter_map(|s| s["shell"].as_str())
        .find(|l| l.contains(marker))
        .map(str::to_string)
}

#[test]
fn the_manual_backup_the_runbook_asks_for_joins_its_series_and_clears_the_warning() {
    // From #19: after the runbook's `manual_<date>.dump` the warning stayed (a second series).
    let src = pg_source("bk_manual");
    let dir = stale_custom_dump(&src);
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 2, "{report:#}");
    let step = step_shell(&report, "pg_dump --format").expect("a step takes a backup by hand");
    let done = Command::new("sh")
        .args(["-c", &step])
        .env("DATABASE_URL", src.url())
        .status()
        .unwrap();
    assert!(done.success(), "{step}");
    let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
    assert_eq!(code, 0, "{report:#}");
    let found = backup_findings(&report);
    assert_eq!(found.len(), 1, "the manual dump made a series of its own: {report:#}");
}

#[test]
fn a_plain_dump_gets_no_pg_restore_list_step_and_an_archive_does() {
    // From #19: `pg_restore --list` was offered for a plain SQL dump, which it cannot read.
    for (format, name, listed) in [("p", "app_2026-11-21.sql", false), ("c", "app_2026-11-21.dump", true)] {
        let src = pg_source(&format!("bk_list_{format}"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        pg_dump(&src.url(), format, &file);
        cut(&file, 0.5);
        let (code, report) = backups(&shared_pg_url(), &["--dir", dir_str(dir.path())]);
        assert_eq!(code, 2, "{report:#}");
        let step = step_shell(&report, "pg_restore --list");
        assert_eq!(step.is_some(), listed, "{format}: {step:?}");
        if let Some(step) = step {
            assert!(
                step.contains(&format!("pg_restore --list -- '{}'", file.display())),
                "{step}"
            );
        }
    }
}
