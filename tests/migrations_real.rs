//! The migration tools themselves, run for real from `target/migration-tools` (installed by
//! `.ci/run`): Liquibase 4.28 (the npm package `liquibase`, its bundled jars and JDBC drivers,
//! on the machine's Java), db-migrate, node-pg-migrate, sequelize-cli (npm) and yoyo (pip).
//! Each is driven by its own CLI to "behind" and then "up to date", on PostgreSQL and on MariaDB
//! where the tool supports it, and dbrunbook's verdict is held to the tool's own status
//! command. Liquibase's checksums are the ones Liquibase writes, and an edit is held to what
//! `liquibase validate` says.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::*;

/// The tools' directory. Never a silent skip: without the tools the test fails and says how to
/// install them.
fn tools() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/migration-tools");
    assert!(
        dir.join("node_modules/.bin/db-migrate").exists() && dir.join("yoyo-venv/bin/yoyo").exists(),
        "the real migration tools are not installed: run .ci/run (it installs them into {})",
        dir.display()
    );
    dir
}

fn bin(name: &str) -> PathBuf {
    match name {
        "yoyo" => tools().join("yoyo-venv/bin/yoyo"),
        "liquibase" => tools().join("node_modules/liquibase/dist/liquibase/liquibase"),
        _ => tools().join("node_modules/.bin").join(name),
    }
}

/// Runs a tool in `cwd`; its output (stdout and stderr), or a failed test naming the command.
fn tool(name: &str, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> (bool, String) {
    let out = Command::new(bin(name))
        .args(args)
        .envs(env.iter().copied())
        .env("LIQUIBASE_SHOW_BANNER", "false")
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("running {name}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn ok(name: &str, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> String {
    let (success, text) = tool(name, args, env, cwd);
    assert!(success, "{name} {args:?} failed:\n{text}");
    text
}

/// `scheme://user@host:port/db` as (user, host:port, db).
fn parts(url: &str) -> (String, String, String) {
    let rest = url.split_once("://").unwrap().1;
    let (user, rest) = rest.split_once('@').unwrap();
    let (hostport, db) = rest.split_once('/').unwrap();
    (user.to_string(), hostport.to_string(), db.to_string())
}

fn verdict(url: &str, dir: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let mut args = vec![
        "migrations",
        "--url",
        url,
        "--format",
        "json",
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend(extra);
    let r = dbrunbook(&args);
    (r.json(), r.code)
}

fn pending(r: &serde_json::Value) -> Vec<String> {
    findings(r, "pending")
        .iter()
        .map(|p| p["revision"].as_str().unwrap().trim_start_matches('/').to_string())
        .collect()
}

/// dbrunbook against the tool's own list of pending migrations: WARNING with the same names
/// when it lists some, OK and "up to date" when it lists none.
fn agrees(tool_name: &str, url: &str, dir: &Path, tool_pending: &[String]) {
    let (r, code) = verdict(url, dir, &[]);
    let c = &r["checks"][0];
    assert_eq!(findings(&r, "tables")[0]["framework"], tool_name, "{r:#}");
    if tool_pending.is_empty() {
        assert_eq!(code, 0, "{tool_name} says up to date: {r:#}");
        assert!(c["summary"].as_str().unwrap().contains("up to date"), "{r:#}");
    } else {
        assert_eq!(code, 1, "{tool_name} lists {tool_pending:?}: {r:#}");
        assert_eq!(c["runbook"]["id"], "migration-behind", "{r:#}");
        assert_eq!(pending(&r), tool_pending, "{tool_name}: {r:#}");
    }
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The names inside `[ 'a', 'b' ]` on db-migrate check's "Migrations to run:" line.
fn db_migrate_pending(out: &str) -> Vec<String> {
    let line = out.lines().find(|l| l.contains("Migrations to run:")).expect(out);
    line.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

fn db_migrate(url: &str) {
    let d = tempfile::tempdir().unwrap();
    let js = |t: &str| {
        format!(
            "exports.up = function (db) {{ return db.runSql('CREATE TABLE {t} (id int)'); }};\nexports.down = function (db) {{ return db.runSql('DROP TABLE {t}'); }};\n"
        )
    };
    write(
        d.path(),
        &[
            ("migrations/20240101000000-users.js", &js("users")),
            ("migrations/20240201000000-orders.js", &js("orders")),
        ],
    );
    let env = [("DATABASE_URL", url)];
    ok("db-migrate", &["up", "-c", "1"], &env, d.path());
    let status = ok("db-migrate", &["check"], &env, d.path());
    assert_eq!(db_migrate_pending(&status), ["20240201000000-orders"], "{status}");
    let dir = d.path().join("migrations");
    agrees("db-migrate", url, &dir, &db_migrate_pending(&status));
    ok("db-migrate", &["up"], &env, d.path());
    let status = ok("db-migrate", &["check"], &env, d.path());
    agrees("db-migrate", url, &dir, &db_migrate_pending(&status));
}

#[test]
fn db_migrate_driven_by_its_cli_on_postgres_and_mariadb() {
    let pg = ScratchPg::new("mig_real_dbm");
    db_migrate(&pg.url());
    let maria = ScratchMaria::new("mig_real_dbm");
    db_migrate(&maria.url());
}

/// node-pg-migrate has no status command: `up --dry-run` lists what it would run
/// (`> - name`) without writing.
fn node_pg_migrate_pending(url: &str, cwd: &Path) -> Vec<String> {
    let out = ok(
        "node-pg-migrate",
        &["up", "--dry-run", "-m", "migrations"],
        &[("DATABASE_URL", url)],
        cwd,
    );
    out.lines()
        .filter_map(|l| l.strip_prefix("> - "))
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
fn node_pg_migrate_driven_by_its_cli_on_postgres() {
    // PostgreSQL only: node-pg-migrate supports no other engine.
    let db = ScratchPg::new("mig_real_npgm");
    let url = db.url();
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            (
                "migrations/1704067200000_users.js",
                "exports.up = (pgm) => { pgm.createTable('users', { id: 'id' }); };\nexports.down = (pgm) => { pgm.dropTable('users'); };\n",
            ),
            (
                "migrations/1706745600000_orders.sql",
                "-- Up Migration\nCREATE TABLE orders (id int);\n-- Down Migration\nDROP TABLE orders;\n",
            ),
        ],
    );
    let env = [("DATABASE_URL", url.as_str())];
    ok("node-pg-migrate", &["up", "1", "-m", "migrations"], &env, d.path());
    let listed = node_pg_migrate_pending(&url, d.path());
    assert_eq!(listed, ["1706745600000_orders"]);
    let dir = d.path().join("migrations");
    agrees("node-pg-migrate", &url, &dir, &listed);
    ok("node-pg-migrate", &["up", "-m", "migrations"], &env, d.path());
    agrees("node-pg-migrate", &url, &dir, &node_pg_migrate_pending(&url, d.path()));
    // The table it made is the layout dbrunbook reads (frameworks.rs cites its runner).
    let cols = ok_psql(
        &url,
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'pgmigrations'",
    );
    assert_eq!(cols.trim(), "id,name,run_on");
}

fn ok_psql(url: &str, sql: &str) -> String {
    let out = Command::new(pg_bin("psql"))
        .args(["-X", "-At", "-d", url, "-c", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// sequelize-cli's `db:migrate:status`: `up name` and `down name`, the pending ones down.
fn sequelize_pending(url: &str, cwd: &Path) -> Vec<String> {
    let out = ok(
        "sequelize-cli",
        &["db:migrate:status", "--url", url, "--migrations-path", "migrations"],
        &[],
        cwd,
    );
    out.lines()
        .filter_map(|l| l.strip_prefix("down "))
        .map(|s| s.trim().to_string())
        .collect()
}

fn sequelize(url: &str) {
    let d = tempfile::tempdir().unwrap();
    let js = |t: &str| {
        format!(
            "module.exports = {{\n  up: (q) => q.sequelize.query('CREATE TABLE {t} (id int)'),\n  down: (q) => q.sequelize.query('DROP TABLE {t}'),\n}};\n"
        )
    };
    write(
        d.path(),
        &[
            ("migrations/20240101000000-create-users.js", &js("users")),
            ("migrations/20240201000000-create-orders.js", &js("orders")),
        ],
    );
    let migrate = |extra: &[&str]| {
        let mut args = vec!["db:migrate", "--url", url, "--migrations-path", "migrations"];
        args.extend(extra);
        ok("sequelize-cli", &args, &[], d.path());
    };
    migrate(&["--to", "20240101000000-create-users.js"]);
    let listed = sequelize_pending(url, d.path());
    assert_eq!(listed, ["20240201000000-create-orders.js"]);
    let dir = d.path().join("migrations");
    agrees("sequelize", url, &dir, &listed);
    migrate(&[]);
    agrees("sequelize", url, &dir, &sequelize_pending(url, d.path()));
}

#[test]
fn sequelize_cli_driven_by_its_cli_on_postgres_and_mariadb() {
    let pg = ScratchPg::new("mig_real_seq");
    sequelize(&pg.url());
    let maria = ScratchMaria::new("mig_real_seq");
    sequelize(&maria.url());
}

/// yoyo's `list`: one line per migration, `A` applied, `U` unapplied.
fn yoyo_pending(url: &str, cwd: &Path) -> Vec<String> {
    let out = ok(
        "yoyo",
        &["list", "--no-config-file", "--database", url, "migrations"],
        &[],
        cwd,
    );
    out.lines()
        .filter_map(|l| l.strip_prefix("U "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn yoyo(url: &str) {
    // yoyo's own URL schemes: postgresql:// (psycopg2), mysql:// (PyMySQL).
    let yoyo_url = url.replacen("postgres://", "postgresql://", 1);
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        &[
            ("migrations/0001.users.sql", "CREATE TABLE users (id int);\n"),
            ("migrations/0001.users.rollback.sql", "DROP TABLE users;\n"),
            (
                "migrations/0002.orders.py",
                "from yoyo import step\nsteps = [step(\"CREATE TABLE orders (id int)\", \"DROP TABLE orders\")]\n",
            ),
        ],
    );
    let apply = |extra: &[&str]| {
        let mut args = vec!["apply", "--batch", "--no-config-file", "--database", &yoyo_url];
        args.extend(extra);
        args.push("migrations");
        ok("yoyo", &args, &[], d.path());
    };
    apply(&["-r", "0001.users"]);
    let listed = yoyo_pending(&yoyo_url, d.path());
    assert_eq!(listed, ["0002.orders"]);
    let dir = d.path().join("migrations");
    agrees("yoyo", url, &dir, &listed);
    apply(&[]);
    agrees("yoyo", url, &dir, &yoyo_pending(&yoyo_url, d.path()));
}

#[test]
fn yoyo_driven_by_its_cli_on_postgres_and_mariadb() {
    let pg = ScratchPg::new("mig_real_yoyo");
    yoyo(&pg.url());
    let maria = ScratchMaria::new("mig_real_yoyo");
    yoyo(&maria.url());
}

/// With the directives Liquibase leaves out of the hash: comment, rollback line and block,
/// preconditions, ignored lines.
const CHANGELOG: &str = "--liquibase formatted sql

--changeset dev:1
--comment: the users table
-- a plain comment is part of what Liquibase hashes
CREATE TABLE users (
    id int
);
--rollback DROP TABLE users;

--changeset dev:2
--preconditions onFail:HALT
--precondition-sql-check expectedResult:0 SELECT 0
/* liquibase rollback
DROP TABLE orders;
*/
--ignoreLines:start
SELECT 'not run, not hashed';
--ignoreLines:end
CREATE TABLE orders (id int);
";

fn liquibase(url: &str, jdbc: &str, dir: &Path, command: &str) -> (bool, String) {
    let (user, _, _) = parts(url);
    tool(
        "liquibase",
        &[
            "--search-path=.",
            "--changelog-file=changelog.sql",
            &format!("--url={jdbc}"),
            &format!("--username={user}"),
            "--password=",
            command,
        ],
        &[],
        dir,
    )
}

/// The sum `liquibase validate` says a changeset has now (`... was: 9:a but is now: 9:b`).
fn is_now(validate: &str) -> String {
    let at = validate.find("is now: ").expect(validate) + "is now: ".len();
    validate[at..].split_whitespace().next().unwrap().to_string()
}

/// The changelog's directory under git, as a deploy's repository is: each release committed.
fn commit(dir: &Path, message: &str) {
    for args in [
        &["init", "-q"][..],
        &["add", "changelog.sql"],
        &[
            "-c",
            "user.name=dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-q",
            "-m",
            message,
        ],
    ] {
        let out = Command::new("git").args(args).current_dir(dir).output().expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs the report's runbook step that starts with `text`, its shell command as filled for this
/// engine, in the changelog's directory with liquibase on PATH and configured by the deploy's
/// liquibase.properties, as the on-call would; whether it succeeded, and its output.
fn run_step(r: &serde_json::Value, text: &str, dir: &Path) -> (bool, String) {
    let steps = r["checks"][0]["runbook"]["steps"].as_array().expect("runbook steps");
    let step = steps
        .iter()
        .find(|s| s["text"].as_str().unwrap_or_default().starts_with(text))
        .unwrap_or_else(|| panic!("no step {text:?}: {steps:#?}"));
    let shell = step["shell"].as_str().unwrap_or_else(|| panic!("no command: {step:#}"));
    let path = format!(
        "{}:{}",
        bin("liquibase").parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-c", shell])
        .current_dir(dir)
        .env("PATH", path)
        .env("LIQUIBASE_SHOW_BANNER", "false")
        .output()
        .expect("sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// How an engine widens `users.id` in a changeset of its own, and reads the column's type.
struct Widen<'a> {
    sql: &'a str,
    id_type: &'a dyn Fn() -> String,
}

fn liquibase_edit_after_apply(url: &str, jdbc: &str, widen: Widen) {
    // The deploy's next update, and the check cleared by it: nothing pending, users.id widened.
    let updated_and_cleared = |d: &std::path::Path| {
        let (updated, out) = liquibase(url, jdbc, d, "update");
        assert!(updated, "{out}");
        let (r, code) = verdict(url, d, &[]);
        assert_eq!(code, 0, "cleared: {r:#}");
        assert!(pending(&r).is_empty(), "{r:#}");
        assert_eq!((widen.id_type)(), "bigint");
    };
    let d = tempfile::tempdir().unwrap();
    write(d.path(), &[("changelog.sql", CHANGELOG)]);
    commit(d.path(), "release 1: users and the precondition");
    let (done, out) = liquibase(url, jdbc, d.path(), "update");
    assert!(done, "{out}");
    // Up to date, every sum Liquibase wrote recomputed alike, and the deploy's --expect by id.
    let (r, code) = verdict(url, d.path(), &["--expect", "2"]);
    assert_eq!(code, 0, "{r:#}");
    let notes = r["checks"][0]["notes"].to_string();
    assert!(notes.contains("2 formatted-SQL changeset(s) compared"), "{notes}");
    // A reformatting Liquibase ignores is no edit either.
    let reformatted = CHANGELOG.replace("CREATE TABLE orders (id int);", "CREATE TABLE orders (\n\tid int\n);");
    write(d.path(), &[("changelog.sql", &reformatted)]);
    let (valid, out) = liquibase(url, jdbc, d.path(), "validate");
    assert!(valid, "{out}");
    assert_eq!(verdict(url, d.path(), &[]).1, 0);
    // A real edit of an applied changeset, and a new one behind it.
    let items = "\n--changeset dev:3\nCREATE TABLE items (id int);\n";
    let edited = reformatted.replace("    id int\n", "    id bigint\n") + items;
    write(d.path(), &[("changelog.sql", &edited)]);
    commit(d.path(), "release 2: widen users.id, add items");
    let (valid, validate) = liquibase(url, jdbc, d.path(), "validate");
    assert!(!valid, "liquibase validate accepted the edit:\n{validate}");
    let (r, code) = verdict(url, d.path(), &[]);
    let c = &r["checks"][0];
    assert_eq!(code, 2, "update validates first: nothing pending can run: {r:#}");
    assert_eq!(c["runbook"]["id"], "migration-changed-liquibase", "{r:#}");
    let changed = findings(&r, "changed");
    assert_eq!(changed.len(), 1, "{r:#}");
    assert_eq!(changed[0]["revision"], "changelog.sql::1::dev");
    assert_eq!(changed[0]["computed"], is_now(&validate).as_str(), "{validate}");
    assert_eq!(pending(&r), ["changelog.sql::3::dev"]);
    let steps = c["runbook"]["steps"].to_string();
    assert!(steps.contains("liquibase validate"), "{steps}");
    assert!(steps.contains("clear-checksums"), "{steps}");
    // Without the new changeset, the edit alone is a WARNING.
    write(
        d.path(),
        &[("changelog.sql", &edited[..edited.find("\n--changeset dev:3").unwrap()])],
    );
    assert_eq!(verdict(url, d.path(), &[]).1, 1);

    // The runbook's steps, in order, as the on-call runs them against the deploy's repository.
    write(d.path(), &[("changelog.sql", &edited)]);
    let (r, code) = verdict(url, d.path(), &[]);
    assert_eq!(code, 2, "{r:#}");
    let (user, _, _) = parts(url);
    write(
        d.path(),
        &[(
            "liquibase.properties",
            &format!("changeLogFile=changelog.sql\nsearchPath=.\nurl={jdbc}\nusername={user}\npassword=\n"),
        )],
    );
    let (valid, confirmed) = run_step(&r, "Confirm with Liquibase itself", d.path());
    assert!(!valid && confirmed.contains(&is_now(&validate)), "{confirmed}");
    let (found, history) = run_step(&r, "Find who changed the changelog", d.path());
    assert!(
        found && history.contains("widen users.id") && history.contains("+    id bigint"),
        "{history}"
    );
    let (listed, releases) = run_step(&r, "Usually the fix is the changelog", d.path());
    assert!(listed && releases.contains("release 1"), "{releases}");
    // The fix it names: the applied changeset as release 1 ran it, the intended change new.
    let fixed = format!("{reformatted}{items}\n--changeset dev:4\n{}\n", widen.sql);
    write(d.path(), &[("changelog.sql", &fixed)]);
    let (valid, out) = liquibase(url, jdbc, d.path(), "validate");
    assert!(valid, "{out}");
    updated_and_cleared(d.path());

    // A comment-only edit of an applied changeset, reviewed as harmless: the runbook's second
    // step clears the sums, the next update records them again, and nothing else ran.
    let commented = fixed.replace("-- a plain comment", "-- a plain comment, reviewed:");
    assert_ne!(commented, fixed);
    write(d.path(), &[("changelog.sql", &commented)]);
    let (r, code) = verdict(url, d.path(), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["checks"][0]["runbook"]["id"], "migration-changed-liquibase", "{r:#}");
    let (cleared, out) = run_step(&r, "Only after review shows the edit changes nothing", d.path());
    assert!(cleared, "{out}");
    updated_and_cleared(d.path());
}

#[test]
fn liquibase_changeset_edited_after_apply_is_reported_as_liquibase_validate_does() {
    let pg = ScratchPg::new("mig_real_lb");
    let (_, hostport, db) = parts(&pg.url());
    let pg_url = pg.url();
    let pg_type = || {
        let out = Command::new(pg_bin("psql"))
            .args(["-X", "-At", "-d", &pg_url, "-c"])
            .arg("SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'id'")
            .output()
            .expect("psql");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    liquibase_edit_after_apply(
        &pg.url(),
        &format!("jdbc:postgresql://{hostport}/{db}"),
        Widen {
            sql: "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
            id_type: &pg_type,
        },
    );
    let maria = ScratchMaria::new("mig_real_lb");
    let (_, hostport, db) = parts(&maria.url());
    let maria_type = || {
        shared_mariadb(&format!(
            "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = 'users' AND COLUMN_NAME = 'id'"
        ))
    };
    liquibase_edit_after_apply(
        &maria.url(),
        &format!("jdbc:mariadb://{hostport}/{db}"),
        Widen {
            sql: "ALTER TABLE users MODIFY id bigint;",
            id_type: &maria_type,
        },
    );
}

#[test]
fn liquibase_xml_and_yaml_changelogs_list_pending_changesets() {
    let db = ScratchPg::new("mig_real_lb_xml");
    let url = db.url();
    let (_, hostport, name) = parts(&url);
    let jdbc = format!("jdbc:postgresql://{hostport}/{name}");
    let d = tempfile::tempdir().unwrap();
    let master = |includes: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<databaseChangeLog xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\"\n  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n  xsi:schemaLocation=\"http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.20.xsd\">\n  <!-- <changeSet id=\"old\" author=\"x\"/> -->\n  <changeSet id=\"x1\" author=\"dev\">\n    <createTable tableName=\"x1\"><column name=\"id\" type=\"int\"/></createTable>\n  </changeSet>\n{includes}</databaseChangeLog>\n"
        )
    };
    write(d.path(), &[("master.xml", &master(""))]);
    let run = |cmd: &str| {
        tool(
            "liquibase",
            &[
                "--search-path=.",
                "--changelog-file=master.xml",
                &format!("--url={jdbc}"),
                "--username=postgres",
                "--password=",
                cmd,
            ],
            &[],
            d.path(),
        )
    };
    let (done, out) = run("update");
    assert!(done, "{out}");
    write(
        d.path(),
        &[
            (
                "master.xml",
                &master("  <include file=\"more.yaml\" relativeToChangelogFile=\"true\"/>\n"),
            ),
            (
                "more.yaml",
                "databaseChangeLog:\n  - changeSet:\n      id: 7\n      author: ann\n      changes:\n        - createTable:\n            tableName: y1\n            columns:\n              - column: {name: id, type: int}\n",
            ),
        ],
    );
    let (_, status) = run("status");
    assert!(
        status.contains("1 changeset has not been applied") || status.contains("more.yaml::7::ann"),
        "{status}"
    );
    let (r, code) = verdict(&url, d.path(), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(pending(&r), ["more.yaml::7::ann"], "{r:#}");
    let notes = r["checks"][0]["notes"].to_string();
    assert!(
        notes.contains("XML/YAML/JSON changeset(s) are listed by id and author only"),
        "{notes}"
    );
    let (done, out) = run("update");
    assert!(done, "{out}");
    assert_eq!(verdict(&url, d.path(), &[]).1, 0);
}
