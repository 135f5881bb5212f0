//! A database owned by someone else must not be able to run code under the tool's role: a
//! tenant who owns `app2` shadows the catalog functions and views the tool's SQL names, puts its
//! schema first in the database's search_path, and waits for a superuser to run dbrunbook.

use std::path::Path;

use crate::support::*;

/// The tenant's trap: every shadowing object calls this, which (run by a superuser) shells out
/// and leaves a file behind.
fn plant_trap(pg: &ThrowawayPg, sentinel: &Path) {
    let trap = format!(
        "CREATE FUNCTION evil.trap() RETURNS int LANGUAGE plpgsql AS $f$ BEGIN \
           EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {}'''; RETURN 1; \
         EXCEPTION WHEN others THEN RETURN 1; END $f$",
        sentinel.display()
    );
    let statements = [
        "CREATE ROLE tenant LOGIN".to_string(),
        "CREATE DATABASE app2 OWNER tenant".to_string(),
        "ALTER DATABASE app2 SET search_path = evil, pg_catalog, public".to_string(),
    ];
    pg.psql(&statements.iter().map(String::as_str).collect::<Vec<_>>());
    let shadows = [
        "CREATE SCHEMA evil".to_string(),
        trap,
        "CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql \
           AS $f$ SELECT evil.trap()::text || pg_catalog.current_setting($1) $f$"
            .into(),
        "CREATE FUNCTION evil.pg_backend_pid() RETURNS int LANGUAGE sql \
           AS $f$ SELECT evil.trap() * pg_catalog.pg_backend_pid() $f$"
            .into(),
        "CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql \
           AS $f$ SELECT pg_catalog.now() + evil.trap() * interval '0' $f$"
            .into(),
        "CREATE VIEW evil.pg_stat_activity AS SELECT a.* FROM pg_catalog.pg_stat_activity a, evil.trap()".into(),
        "CREATE VIEW evil.pg_locks AS SELECT l.* FROM pg_catalog.pg_locks l, evil.trap()".into(),
        "CREATE VIEW evil.pg_settings AS SELECT s.* FROM pg_catalog.pg_settings s, evil.trap()".into(),
        "CREATE VIEW evil.pg_extension AS SELECT e.* FROM pg_catalog.pg_extension e, evil.trap()".into(),
        "CREATE VIEW evil.pg_stat_statements AS SELECT evil.trap() AS calls".into(),
        "CREATE FUNCTION evil.current_database() RETURNS name LANGUAGE sql \
           AS $f$ SELECT pg_catalog.current_database() FROM evil.trap() $f$"
            .into(),
        // A "migration history" the migrations check would read: a view, and a table with a
        // row-level security policy, each calling the trap when read.
        "CREATE VIEW evil.schema_migrations AS SELECT 1::int8 AS version, evil.trap() = 0 AS dirty".into(),
        "CREATE TABLE evil.alembic_version (version_num varchar(32))".into(),
        "INSERT INTO evil.alembic_version VALUES ('abc')".into(),
        "ALTER TABLE evil.alembic_version ENABLE ROW LEVEL SECURITY".into(),
        "ALTER TABLE evil.alembic_version FORCE ROW LEVEL SECURITY".into(),
        "CREATE POLICY p ON evil.alembic_version USING (evil.trap() = 1)".into(),
        "GRANT USAGE ON SCHEMA evil TO PUBLIC".into(),
        "GRANT SELECT ON evil.alembic_version, evil.schema_migrations TO PUBLIC".into(),
    ];
    pg.psql_as(
        "tenant",
        "app2",
        &shadows.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

#[test]
fn hostile_search_path_cannot_run_code_as_the_tools_role() {
    let pg = ThrowawayPg::start(PgOptions {
        settings: &["shared_preload_libraries=pg_stat_statements"],
        ..PgOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    chown_postgres(dir.path());
    let sentinel = dir.path().join("owned");
    plant_trap(&pg, &sentinel);
    // pg_stat_statements where a superuser put it, so that the slow check reads it here too.
    pg.psql_as(
        "postgres",
        "app2",
        &[
            "CREATE SCHEMA stats",
            "CREATE EXTENSION pg_stat_statements SCHEMA stats",
        ],
    );

    // The trap is real: a superuser's ordinary query in app2 springs it.
    pg.psql_as("postgres", "app2", &["SELECT current_setting('server_version')"]);
    assert!(
        sentinel.exists(),
        "the trap did not fire for psql; the test proves nothing"
    );
    std::fs::remove_file(&sentinel).unwrap();
    // Setup statements (CREATE DATABASE...) can average past slow's warning on a busy machine;
    // the calm verdict is about what runs from here.
    pg.psql_as("postgres", "app2", &["SELECT stats.pg_stat_statements_reset()"]);

    let [runbooks, dir] = started_just_now();
    let url = pg.url("postgres", "app2");
    let run = dbrunbook(&["check", "--url", &url, "--format", "json", &runbooks, &dir]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        !sentinel.exists(),
        "dbrunbook ran the tenant's code as a superuser: {}",
        run.all()
    );
}

/// Every SQL snippet of a report's runbook, in order.
fn runbook_sql(report: &serde_json::Value) -> Vec<String> {
    report["checks"][0]["runbook"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["sql"].as_str().map(String::from))
        .collect()
}

#[test]
fn hostile_role_name_in_a_pasted_step_names_that_role_and_runs_nothing_else() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let role = "x'); DROP TABLE t; -- Mixed-Case";
    pg.psql(&[
        "CREATE TABLE t (id int)",
        &format!("CREATE ROLE \"{}\" LOGIN", role.replace('"', "\"\"")),
    ]);
    let mut held = Held::new();
    let conninfo = format!(
        "host=127.0.0.1 port={} user='{}' dbname=postgres",
        pg.port,
        role.replace('\'', "\\'")
    );
    held.pg_background(&conninfo, "SELECT pg_sleep(30)");
    let url = pg.url("postgres", "postgres");
    let r = poll(&["queries", "--url", &url, "--warning", "1s"], |r| {
        r["status"] == "warning"
    });
    let snippets = runbook_sql(&r);
    let alter = snippets
        .iter()
        .find(|s| s.contains("ALTER ROLE"))
        .unwrap_or_else(|| panic!("no ALTER ROLE step: {snippets:#?}"));
    // Pasted into psql (which splits statements at semicolons, as `-f` does), the step changes
    // the hostile role's settings and drops nothing.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pasted.sql");
    std::fs::write(&file, alter).unwrap();
    std::process::Command::new("psql")
        .args(["-X", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-p"])
        .arg(pg.port.to_string())
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    pg.psql(&["SELECT 1 FROM t"]);
    let out = std::process::Command::new("psql")
        .args(["-X", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-p"])
        .arg(pg.port.to_string())
        .arg("-c")
        .arg("SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'x''); DROP TABLE t; -- Mixed-Case'")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1",
        "the step did not name the role: {alter}"
    );
}

/// A role and a database whose names hold a newline and an escape sequence: the filled step is
/// built from the names as the server holds them (`U&"..."` escapes, not the terminal's U+FFFD
/// and spaces), so pasted into psql it changes that role's setting in that database; the JSON
/// finding carries the name as written; the table shows the step without a raw control byte.
#[test]
fn role_and_database_names_with_control_characters_are_targeted_by_the_filled_step() {
    let pg = ThrowawayPg::start(PgOptions::default());
    let role = "ops\nteam\u{1b}[31m";
    let database = "app\u{1b}]0;x\u{7}db";
    pg.psql(&[
        &format!("CREATE ROLE \"{role}\" LOGIN"),
        &format!("CREATE DATABASE \"{database}\" OWNER \"{role}\""),
    ]);
    let mut held = Held::new();
    let conninfo = format!("host=127.0.0.1 port={} user='{role}' dbname='{database}'", pg.port);
    held.pg_background(&conninfo, "SELECT pg_sleep(30)");
    let url = pg.url("postgres", "postgres");
    let r = poll(&["queries", "--url", &url, "--warning", "1s"], |r| {
        r["status"] == "warning"
    });
    let users: Vec<&str> = r["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["user"].as_str())
        .collect();
    assert!(users.contains(&role), "the JSON carries the name as written: {users:?}");
    let alter = runbook_sql(&r)
        .into_iter()
        .find(|s| s.contains("ALTER ROLE") && s.contains("SET statement_timeout"))
        .unwrap_or_else(|| panic!("no ALTER ROLE step: {r:#}"));
    assert!(
        !alter.chars().any(|c| c.is_control() && c != '\n'),
        "the step holds a raw control character: {alter:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pasted.sql");
    std::fs::write(&file, &alter).unwrap();
    let pasted = std::process::Command::new("psql")
        .args([
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-p",
        ])
        .arg(pg.port.to_string())
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        pasted.status.success(),
        "{alter}: {}",
        String::from_utf8_lossy(&pasted.stderr)
    );
    let out = std::process::Command::new("psql")
        .args(["-X", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-p"])
        .arg(pg.port.to_string())
        .arg("-c")
        .arg(
            "SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s \
             JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase \
             WHERE r.rolname = U&'ops\\000Ateam\\001B[31m' AND d.datname = U&'app\\001B]0;x\\0007db'",
        )
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "statement_timeout=5min",
        "the step did not name the role in the database: {alter}"
    );
    // On a terminal the same step, and nothing raw around it.
    let table = dbrunbook(&["queries", "--url", &url, "--warning", "1s", "--full"]);
    assert!(table.stdout.contains(alter.lines().next().unwrap()), "{}", table.stdout);
    assert!(!table.stdout.contains('\u{1b}'), "{}", table.stdout);
}
