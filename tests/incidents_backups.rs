//! Incident: the nightly backups are stale and the newest is truncated. A cron job (the real
//! pg_dump, tests/apps/nightly_backup.sh) wrote one dump a night into a directory with dated
//! names; its last run was killed mid-write a night and a half ago, and it has not run since.
//! `backups --dir` and `diagnose` through the fleet file's options (diagnose has no --dir of its
//! own) give the status and the runbook; the filled steps, run in order (evidence, a fresh dump
//! into the series, restore-check on it), clear it: the next run is OK. Bystanders: the older
//! dumps are kept, the application carries on, no scratch database is left.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use crate::support::apps::{Watched, apps_dir, errors, oks};
use crate::support::oncall::*;
use crate::support::*;

/// The date of `when` as `date +%F` gives it (UTC).
fn day_of(when: SystemTime) -> String {
    let epoch = when.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    client(Command::new("date").args(["-u", "-d", &format!("@{epoch}"), "+%F"]))
        .trim()
        .to_string()
}

/// The nightly job, as cron started it `hours_ago` hours ago, for database `db` of `server`:
/// a child still running, the file it writes, and when that night was. `home`: the job's
/// account's home (mariadb-dump reads its ~/.my.cnf).
fn nightly(server: &Server, home: &Path, dir: &Path, db: &str, hours_ago: u64) -> (Child, PathBuf, SystemTime) {
    let night = SystemTime::now() - Duration::from_secs(hours_ago * 3600);
    let day = day_of(night);
    let mut job = Command::new("sh");
    job.arg(apps_dir().join("nightly_backup.sh"));
    let file = match server {
        Server::Pg(pg) => {
            job.arg("postgres")
                .env("PGHOST", "127.0.0.1")
                .env("PGPORT", pg.port.to_string())
                .env("PGUSER", "postgres")
                .env("PATH", on_call_path(pg.bin("pg_dump").parent().unwrap()));
            dir.join(format!("{db}_{day}.dump"))
        }
        Server::Maria(_) => {
            job.arg("mariadb").env("HOME", home);
            dir.join(format!("{db}_{day}.sql"))
        }
    };
    let child = job
        .arg(dir)
        .arg(db)
        .env("BACKUP_DAY", &day)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the nightly job");
    (child, file, night)
}

/// The file's modification time set to when that night's job wrote it.
fn written_at(file: &Path, when: SystemTime) {
    let f = std::fs::File::options().write(true).open(file).unwrap();
    f.set_modified(when).unwrap();
}

/// A fleet file in `dir` naming `target` as `name` with its dump directory: `diagnose` has no
/// --dir, a check's options come from the fleet file. Its path.
fn fleet_file(dir: &Path, name: &str, target: &str, dumps: &str) -> String {
    let config = dir.join("dbrunbook.yaml");
    std::fs::write(
        &config,
        format!("targets:\n  - name: {name}\n    url: {target}\n    options:\n      backups: {{dir: {dumps}}}\n"),
    )
    .unwrap();
    config.display().to_string()
}

fn backups_check(report: &serde_json::Value) -> &serde_json::Value {
    check(report, "backups")
}

#[test]
fn stale_and_truncated_nightly_backups_are_found_and_a_fresh_verified_dump_clears_them() {
    let server = Server::Pg(ThrowawayPg::start(PgOptions::default()));
    let Server::Pg(pg) = &server else { unreachable!() };
    pg.psql(&[
        "CREATE ROLE billing LOGIN",
        "CREATE ROLE restore LOGIN CREATEDB",
        "CREATE DATABASE shop",
    ]);
    pg.psql_as(
        "postgres",
        "shop",
        &[
            "CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 400000) g",
            // Enough rows that billing's inserts while the steps run stay far below the
            // tolerance restore-check compares row counts with.
            "CREATE TABLE invoices (id bigserial PRIMARY KEY, amount int)",
            "INSERT INTO invoices (amount) SELECT g FROM generate_series(1, 20000) g",
            "GRANT SELECT, INSERT ON invoices TO billing",
            "GRANT USAGE ON SEQUENCE invoices_id_seq TO billing",
        ],
    );
    let billing = Watched::start(
        "web_pool.py",
        &[
            &format!("postgresql+psycopg2://billing@127.0.0.1:{}/shop", pg.port),
            "billing",
            "steady",
        ],
    );
    billing.wait_for(0, "served a request", |l| oks(l) >= 3);

    // Three nights of the job: two complete dumps, then the run killed mid-write (the OOM
    // killer), after which cron never ran it again (the job was lost in a host rebuild).
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path();
    let mut complete = Vec::new();
    for hours_ago in [77, 53] {
        let (mut job, file, night) = nightly(&server, dir, dir, "shop", hours_ago);
        assert!(job.wait().unwrap().success(), "the nightly job failed");
        written_at(&file, night);
        complete.push(file);
    }
    let (mut job, truncated, night) = nightly(&server, dir, dir, "shop", 29);
    // Polled often: the whole dump takes a second or two, and it must be caught part-way.
    let started = std::time::Instant::now();
    while !std::fs::metadata(&truncated).is_ok_and(|m| m.len() > 256 * 1024) {
        assert!(started.elapsed() < Duration::from_secs(180), "the dump never wrote");
        std::thread::sleep(Duration::from_millis(2));
    }
    job.kill().unwrap();
    let status = job.wait().unwrap();
    assert!(
        !status.success(),
        "the dump finished before it was killed: make orders larger"
    );
    written_at(&truncated, night);

    // The backup host's cron check and the on-call's diagnose.
    let target = pg.url("postgres", "shop");
    let dir_arg = dir.to_str().unwrap();
    let rb = incident_runbooks();
    let run = dbrunbook(&["backups", "--url", &target, "--dir", dir_arg, "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    let single = run.json();
    let b = backups_check(&single);
    assert_eq!(b["status"], "critical", "{b:#}");
    assert_eq!(b["runbook"]["id"], "backup-incomplete", "{b:#}");
    let summary = b["summary"].as_str().unwrap();
    assert!(
        summary.contains("is incomplete") && summary.contains("old (limit"),
        "both problems are said: {summary}"
    );
    let fleet = tempfile::tempdir().unwrap();
    let config = fleet_file(fleet.path(), "shop", &target, dir_arg);
    let config_arg = config.as_str();
    let report = diagnose_during(
        "stale-and-truncated-backups (postgres)",
        &["--config", config_arg, "--target", "shop", &rb[0], &rb[1]],
    );
    let shop = &report["targets"][0];
    let d = backups_check(shop);
    assert_eq!(d["status"], "critical", "{d:#}");
    assert_eq!(d["runbook"]["id"], "backup-incomplete", "{d:#}");
    assert_eq!(shop["status"], "critical", "{shop:#}");

    // The on-call runs the steps in order, from a shell with the usual connection and a
    // scratch account for restores (CREATEDB, not a superuser).
    let steps = steps(b);
    let mut ran = Vec::new();
    for Step { phase, text, shell, .. } in &steps {
        let Some(shell) = shell.as_ref().filter(|_| phase == "diagnose" || phase == "immediate") else {
            continue;
        };
        eprintln!("step: {text}\n{shell}");
        let out = on_call_shell(shell, dir, pg.bin("psql").parent().unwrap(), &target)
            .env("SCRATCH_URL", pg.url("restore", "postgres"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        ran.push((shell.clone(), out.status.code(), stdout));
    }
    let step = |words: &str| {
        ran.iter()
            .find(|(shell, _, _)| shell.contains(words))
            .unwrap_or_else(|| panic!("no step runs {words}: {ran:#?}"))
    };
    let (_, code, listed) = step("pg_restore --list");
    assert_eq!(*code, Some(0), "{listed}");
    assert!(listed.contains("TABLE DATA public orders"), "{listed}");
    let (_, code, taken) = step("pg_dump --format=custom");
    assert_eq!(*code, Some(0), "the fresh dump and the check after it: {taken}");
    assert!(taken.contains("OK backups"), "{taken}");
    // Restored whole; billing's rows written since the dump are the one difference, within
    // restore-check's tolerance: a WARNING (exit 1) that says so, on a live database.
    let (_, code, verified) = step("restore-check");
    assert!(
        verified.contains("restore-check: restored pg_dump custom") && matches!(code, Some(0 | 1)),
        "{verified}"
    );
    assert!(!verified.contains("CRITICAL"), "{verified}");
    let differing: Vec<&str> = verified
        .lines()
        .filter(|l| l.contains(" rows than the source"))
        .collect();
    assert!(
        differing.iter().all(|l| l.contains("public.invoices")),
        "only billing's new rows differ: {verified}"
    );

    // Cleared: the next run is OK, by the backups check and by diagnose.
    let after = dbrunbook(&["backups", "--url", &target, "--dir", dir_arg, "--format", "json"]);
    assert_eq!(after.code, 0, "{}", after.all());
    let report = diagnose_during(
        "after the steps (postgres)",
        &[
            "--config", config_arg, "--target", "shop", &rb[0], &rb[1], "--only", "backups",
        ],
    );
    assert_eq!(backups_check(&report["targets"][0])["status"], "ok", "{report:#}");

    // Nothing else was hit: the older dumps (and the broken one, evidence) are kept, billing
    // carried on, the restore's scratch database is gone.
    for file in complete.iter().chain([&truncated]) {
        assert!(file.exists(), "{} was removed", file.display());
    }
    let mark = billing.mark();
    billing.wait_for(mark, "carried on", |l| oks(l) >= 3);
    assert!(errors(&billing.since(0)).is_empty(), "billing was hit");
    assert_eq!(
        pg_count(
            pg,
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'dbrunbook_restore_%'"
        ),
        0
    );
    assert_eq!(
        pg_count(
            pg,
            "postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'"
        ),
        1
    );
}

/// The MariaDB version, the series stale: the nightly mariadb-dump of `bank` ran three nights
/// and was lost after the last (a host rebuild dropped the cron entry), so its newest dump, whole,
/// is a night and a half old. WARNING with the backup-stale runbook; its steps, run in order from
/// the on-call's shell (~/.my.cnf), take the dump by hand into the series (the URL's database, as
/// the nightly's: it was --all-databases, which restore-check refuses to restore) and prove it
/// with restore-check; the next run is OK.
#[test]
fn a_stale_mariadb_nightly_series_is_found_and_a_dump_by_hand_clears_it() {
    let server = Server::start(false);
    let Server::Maria(maria) = &server else { unreachable!() };
    server.sql(
        APP_DB,
        "CREATE TABLE accounts (id INT PRIMARY KEY, balance INT); \
         INSERT INTO accounts SELECT seq, 100 FROM seq_1_to_20000; \
         CREATE TABLE invoices (id BIGINT AUTO_INCREMENT PRIMARY KEY, amount INT); \
         INSERT INTO invoices (amount) SELECT seq FROM seq_1_to_20000; \
         CREATE USER billing@'%'; GRANT SELECT, INSERT ON bank.invoices TO billing@'%'; \
         CREATE USER restore@'%'; GRANT ALL ON `dbrunbook\\_restore\\_%`.* TO restore@'%';",
    );
    let billing = Watched::start(
        "web_pool.py",
        &[
            &format!("mysql+pymysql://billing@127.0.0.1:{}/{APP_DB}", maria.port),
            "billing",
            "steady",
        ],
    );
    billing.wait_for(0, "served a request", |l| oks(l) >= 3);
    let home = maria_home(maria.port, None);
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path();
    let mut nights = Vec::new();
    for hours_ago in [77, 53, 29] {
        let (mut job, file, night) = nightly(&server, home.path(), dir, APP_DB, hours_ago);
        let out = job.wait().unwrap();
        assert!(out.success(), "the nightly job failed");
        written_at(&file, night);
        nights.push(file);
    }

    let target = server.url();
    let dir_arg = dir.to_str().unwrap();
    let rb = incident_runbooks();
    let run = dbrunbook(&["backups", "--url", &target, "--dir", dir_arg, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let single = run.json();
    let b = backups_check(&single);
    assert_eq!(b["status"], "warning", "{b:#}");
    assert_eq!(b["runbook"]["id"], "backup-stale", "{b:#}");
    let summary = b["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("bank: the newest backup is") && summary.contains("old (limit 26h)"),
        "{summary}"
    );
    let fleet = tempfile::tempdir().unwrap();
    let config = fleet_file(fleet.path(), "bank", &target, dir_arg);
    let config_arg = config.as_str();
    let report = diagnose_during(
        "stale-backups (mariadb)",
        &["--config", config_arg, "--target", "bank", &rb[0], &rb[1]],
    );
    let d = backups_check(&report["targets"][0]);
    assert_eq!(d["status"], "warning", "{d:#}");
    assert_eq!(d["runbook"]["id"], "backup-stale", "{d:#}");

    // The steps in order: the shell lines from the on-call's shell, the SQL with the client.
    let (mut took, mut verified) = (false, false);
    for Step {
        phase,
        text,
        sql,
        shell,
    } in &steps(b)
    {
        if phase != "diagnose" && phase != "immediate" {
            continue;
        }
        eprintln!("step: {text}\n{shell:?}\n{sql:?}");
        if let Some(shell) = shell {
            let out = on_call_shell(shell, dir, Path::new("/usr/bin"), &target)
                .env("HOME", home.path())
                .env("SCRATCH_URL", format!("mysql://restore@127.0.0.1:{}/", maria.port))
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            if shell.contains("restore-check") {
                // Restored whole; billing's rows since the dump may differ, within tolerance.
                assert!(
                    stdout.contains("restore-check: restored mysqldump") && matches!(out.status.code(), Some(0 | 1)),
                    "{stdout}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let differing: Vec<&str> = stdout.lines().filter(|l| l.contains(" rows than the source")).collect();
                assert!(differing.iter().all(|l| l.contains("invoices")), "{stdout}");
                verified = true;
            } else {
                assert!(
                    out.status.success(),
                    "{shell}: {stdout}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            took |= shell.contains("mariadb-dump");
        }
        if let Some(sql) = sql {
            server.sql(APP_DB, sql);
        }
    }
    assert!(took, "a step takes the dump by hand");
    assert!(verified, "a step proves it restores");

    // Cleared: the next run is OK, by the backups check and by diagnose; the series kept its
    // nights, billing carried on.
    let after = dbrunbook(&["backups", "--url", &target, "--dir", dir_arg, "--format", "json"]);
    assert_eq!(after.code, 0, "{}", after.all());
    let after = after.json();
    let series = crate::support::findings(&after, "backup");
    assert_eq!(series.len(), 1, "the dump by hand joined the series: {after:#}");
    assert_eq!(series[0]["backups"], 4, "{after:#}");
    let report = diagnose_during(
        "after the steps (mariadb)",
        &[
            "--config", config_arg, "--target", "bank", &rb[0], &rb[1], "--only", "backups",
        ],
    );
    assert_eq!(backups_check(&report["targets"][0])["status"], "ok", "{report:#}");
    for file in &nights {
        assert!(file.exists(), "{} was removed", file.display());
    }
    let mark = billing.mark();
    billing.wait_for(mark, "carried on", |l| oks(l) >= 3);
    assert!(errors(&billing.since(0)).is_empty(), "billing was hit");
}
