//! A deploy whose migration fails, driven by real Alembic (the incident venv's) on a database of
//! the test's own: a revision that adds a column and an index, then sets it NOT NULL over rows
//! that have none. On PostgreSQL the failure rolls back whole (the database is behind); on
//! MariaDB the column and index stay while `alembic_version` does not move (half-applied). Each
//! test runs the tool as the deploy's post-check would (`--dir`, `--expect` the new head),
//! executes the filled evidence steps in order, checks that no step runs the migration again or
//! stamps, then clears the incident as the runbook says and sees the tool go OK.

use std::path::Path;
use std::process::Command;

use crate::support::apps::{app_python, apps_dir};
use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::*;

const HEAD: &str = "b2nickname";

/// The Alembic project of `tests/apps/alembic_failed`, copied so the fix can be written into it.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = apps_dir().join("alembic_failed");
    std::fs::create_dir(dir.path().join("versions")).unwrap();
    for f in [
        "alembic.ini",
        "env.py",
        "script.py.mako",
        "versions/a1_users.py",
        "versions/b2_nickname.py",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// `alembic <args>` in the project against `url` (a SQLAlchemy URL); exit status and output.
fn alembic(project: &Path, url: &str, args: &[&str]) -> (bool, String) {
    let bin = app_python().with_file_name("alembic");
    let out = Command::new(bin)
        .current_dir(project)
        .args(["-c", "alembic.ini"])
        .args(args)
        .env("DB_URL", url)
        .output()
        .expect("running alembic");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The release that fixes the deploy: the nicknames are filled before the NOT NULL.
fn fix_the_migration(project: &Path) {
    let file = project.join("versions/b2_nickname.py");
    let text = std::fs::read_to_string(&file).unwrap();
    let fixed = text.replace(
        "    # FIX: fill the nicknames here (the release that fixes the deploy adds this line)\n",
        "    op.execute(\"UPDATE users SET nickname = name WHERE nickname IS NULL\")\n",
    );
    assert_ne!(text, fixed);
    std::fs::write(file, fixed).unwrap();
}

fn post_deploy_check(url: &str, project: &Path) -> (serde_json::Value, i32) {
    let dir = project.to_str().unwrap();
    let run = dbrunbook(&[
        "migrations",
        "--url",
        url,
        "--dir",
        dir,
        "--expect",
        HEAD,
        "--format",
        "json",
    ]);
    (run.json(), run.code)
}

fn steps(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["checks"][0]["runbook"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// No step runs the failed migration again before the cause is known, and none stamps: the
/// defects of the seed run (`alembic upgrade heads --sql | less && alembic upgrade heads`, and
/// `alembic stamp` from the unknown-revision runbook).
fn assert_no_rerun_or_stamp(steps: &[serde_json::Value]) {
    for s in steps {
        let all = format!("{} {} {}", s["shell"], s["sql"], s["example"]);
        assert!(!all.contains("stamp"), "a step stamps: {s:#}");
        assert!(
            !(all.contains("--sql") && all.contains("&&")),
            "a step chains a preview with the run: {s:#}"
        );
    }
}

/// The MariaDB client's tab-separated output of `sql` in `db`.
fn maria(db: &ScratchMaria, sql: &str) -> String {
    let out = shared_maria_tool("mariadb")
        .args(["-N", "-B", "-e", sql, &db.name])
        .output()
        .expect("running mariadb");
    assert!(out.status.success(), "{sql}\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn alembic_migration_failed_on_mariadb_is_half_applied_and_cleared_by_its_steps() {
    let db = ScratchMaria::new("mig_alembic_failed");
    let project = project();
    let sa_url = format!("mysql+pymysql://root@127.0.0.1:3306/{}", db.name);
    let (ok, out) = alembic(project.path(), &sa_url, &["upgrade", "heads"]);
    assert!(!ok, "the migration must fail: {out}");
    assert!(out.contains("nickname"), "{out}");
    // The incident as the seed run found it: the column and index exist, the history did not move.
    assert_eq!(maria(&db, "SELECT version_num FROM alembic_version").trim(), "a1users");

    let (r, code) = post_deploy_check(&db.url(), project.path());
    let check = &r["checks"][0];
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(check["runbook"]["id"], "migration-half-applied", "{r:#}");
    let summary = check["summary"].as_str().unwrap();
    assert!(summary.contains("b2nickname is half-applied"), "{summary}");
    let half: Vec<String> = findings(&r, "half_applied")
        .iter()
        .map(|f| {
            format!(
                "{} {}.{}",
                f["object"].as_str().unwrap(),
                f["table"].as_str().unwrap(),
                f["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(half, ["index users.ix_users_nickname", "column users.nickname"]);
    let steps = steps(&r);
    assert_no_rerun_or_stamp(&steps);
    assert!(
        !steps.iter().any(|s| s["shell"].to_string().contains("upgrade")),
        "{steps:#?}"
    );
    let text = serde_json::to_string(&steps).unwrap();
    assert!(text.contains("commit each DDL statement"), "{text}");

    // Evidence first, in order: every SQL step runs, and the per-object ones show the leftovers.
    let evidence: Vec<String> = steps
        .iter()
        .filter(|s| s["phase"] == "diagnose")
        .filter_map(|s| s["sql"].as_str().map(String::from))
        .collect();
    assert_eq!(evidence.len(), 3, "{steps:#?}");
    let shown: Vec<String> = evidence.iter().map(|sql| maria(&db, sql)).collect();
    assert!(
        shown[1].starts_with("index\tusers\tix_users_nickname\tnickname"),
        "{}",
        shown[1]
    );
    assert!(
        shown[2].starts_with("column\tusers\tnickname\tvarchar(50)\tYES"),
        "{}",
        shown[2]
    );

    // The remedy: undo the leftovers in the order given, ship the fixed migration, deploy.
    let undo: Vec<String> = steps
        .iter()
        .filter(|s| s["phase"] == "immediate")
        .filter_map(|s| s["example"].as_str().map(String::from))
        .collect();
    assert_eq!(
        undo,
        [
            "ALTER TABLE `users` DROP INDEX `ix_users_nickname`;",
            "ALTER TABLE `users` DROP COLUMN `nickname`;"
        ]
    );
    for sql in &undo {
        maria(&db, sql);
    }
    fix_the_migration(project.path());
    let (ok, out) = alembic(project.path(), &sa_url, &["upgrade", "heads"]);
    assert!(ok, "the fixed migration runs: {out}");
    let (r, code) = post_deploy_check(&db.url(), project.path());
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["checks"][0]["status"], "ok");
    // The application's rows survived the repair.
    assert_eq!(
        maria(&db, "SELECT name, nickname FROM users ORDER BY id"),
        "ann\tann\nbob\tbob\n"
    );
}

#[test]
fn alembic_migration_failed_on_postgres_is_behind_and_nothing_is_left() {
    let db = ScratchPg::new("mig_alembic_failed");
    let project = project();
    let sa_url = format!("postgresql+psycopg2://postgres@127.0.0.1:5432/{}", db.name);
    let (ok, out) = alembic(project.path(), &sa_url, &["upgrade", "heads"]);
    assert!(!ok, "the migration must fail: {out}");
    assert!(out.contains("SET NOT NULL"), "{out}");

    let (r, code) = post_deploy_check(&db.url(), project.path());
    let check = &r["checks"][0];
    // --expect names the head the directory defines: behind (CRITICAL, the deploy expects it),
    // not "a revision the deploy does not know".
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(check["runbook"]["id"], "migration-behind", "{r:#}");
    assert!(findings(&r, "half_applied").is_empty(), "{r:#}");
    let summary = check["summary"].as_str().unwrap();
    assert!(summary.contains("1 migration(s) pending: b2nickname"), "{summary}");
    assert!(summary.contains("which the directory defines"), "{summary}");
    let steps = steps(&r);
    assert_no_rerun_or_stamp(&steps);
    // The step that runs the migration comes after the one that asks why the deploy failed.
    let at = |needle: &str| {
        steps
            .iter()
            .position(|s| s["text"].as_str().unwrap().contains(needle) || s["shell"].as_str() == Some(needle))
            .unwrap_or_else(|| panic!("no step with {needle}: {steps:#?}"))
    };
    assert!(at("Find out why the deploy did not run them") < at("alembic upgrade heads"));

    // Evidence: the SQL steps run; the offline preview writes the pending SQL and runs nothing.
    for s in steps.iter().filter(|s| s["phase"] == "diagnose") {
        if let Some(sql) = s["sql"].as_str() {
            db.sql(sql);
        }
    }
    let preview = steps
        .iter()
        .find_map(|s| s["shell"].as_str().filter(|c| c.contains("--sql")))
        .expect("the offline preview step");
    // As typed in a shell, in the project, with the venv's alembic first on the PATH.
    let venv_bin = app_python().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", venv_bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh")
        .args(["-c", preview])
        .current_dir(project.path())
        .env("PATH", path)
        .env("DB_URL", &sa_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{preview}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sql = std::fs::read_to_string(project.path().join("pending-migrations.sql")).unwrap();
    assert!(sql.contains("ALTER TABLE users ADD COLUMN nickname"), "{sql}");
    // PostgreSQL rolled the failed migration back whole: no column, no index.
    let left = Command::new(pg_bin("psql"))
        .args(["-X", "-A", "-t", "-d", &db.url(), "-c"])
        .arg("SELECT count(*) FROM pg_catalog.pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'nickname'")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "0");

    fix_the_migration(project.path());
    let (ok, out) = alembic(project.path(), &sa_url, &["upgrade", "heads"]);
    assert!(ok, "the fixed migration runs: {out}");
    let (r, code) = post_deploy_check(&db.url(), project.path());
    assert_eq!(code, 0, "{r:#}");
}
