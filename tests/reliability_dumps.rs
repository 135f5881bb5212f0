//! The hostile-dump section of docs/reliability.md (written with the rest of the page by
//! `reliability::docs_reliability_matches_the_binary`): each dump below is restored by
//! `restore-check` with an account that may create databases and nothing more, and after the
//! run the test itself looks outside the scratch database for what the dump tried. The page's
//! last column is that look, and the test fails when anything changed.

use std::path::Path;
use std::process::Command;

use crate::support::scratch::ScratchPg;
use crate::support::{Run, dbrunbook_command, pg_bin, run_command, shared_mariadb, shared_pg_url};

/// The accounts, as the README recommends them: PostgreSQL `LOGIN CREATEDB`; MariaDB all
/// privileges on the scratch databases' names only. Fixed URLs, so the page is the same on
/// every machine.
const PG_ACCOUNT: &str = "postgres://rc_doc@127.0.0.1:5432/postgres";
const MY_ACCOUNT: &str = "mysql://rc_doc@127.0.0.1:3306";

/// What a dump tries outside its scratch database, looked for after the run: `Some(what)`
/// when it is there.
type Look = fn() -> Option<String>;

struct Case {
    what: &'static str,
    file: &'static str,
    scratch: &'static str,
    look: Look,
}

const CASES: &[Case] = &[
    Case {
        what: "plain dump: `CREATE DATABASE` after another statement on its line",
        file: "midline-create-database.sql",
        scratch: PG_ACCOUNT,
        look: || pg_database("dbrunbook_doc_pwned"),
    },
    Case {
        what: "plain dump: `ALTER ROLE CURRENT_USER SET` after another statement on its line",
        file: "midline-alter-role.sql",
        scratch: PG_ACCOUNT,
        look: pg_role_settings,
    },
    Case {
        what: "plain dump: dynamic SQL (`DO ... EXECUTE`) changing the role",
        file: "dynamic-alter-role.sql",
        scratch: PG_ACCOUNT,
        look: pg_role_settings,
    },
    Case {
        what: "custom archive: a table-of-contents entry edited to `ALTER ROLE ... SET`",
        file: "edited-toc.dump",
        scratch: PG_ACCOUNT,
        look: pg_role_settings,
    },
    Case {
        what: "mysqldump: `CREATE DATABASE` after another statement on its line",
        file: "midline-create-database-my.sql",
        scratch: MY_ACCOUNT,
        look: || my_database("dbrunbook_restore_docpwned"),
    },
    Case {
        what: "mysqldump: `GRANT` to the restoring account",
        file: "grant-my.sql",
        scratch: MY_ACCOUNT,
        look: my_grants,
    },
    Case {
        what: "a FIFO given as the backup (would block a reader forever)",
        file: "backup.sql",
        scratch: PG_ACCOUNT,
        look: || pg_database("dbrunbook_doc_pwned"),
    },
];

const HEADER: &str = "
## Hostile dumps: what restore-check does

Each dump below is restored with `restore-check` (no `--trust-backup`) by an account that may create
databases and nothing more: on PostgreSQL a `LOGIN CREATEDB` role, on MariaDB one with all
privileges on `dbrunbook\\_restore\\_%` only. The message is the first line of the Nagios output
without its performance data. After each run the test looks outside the scratch database for what
the dump tried (the database it creates, the role's settings, the account's grants); the last
column is what it found, and the test fails unless it is `nothing`.

| Dump | Command | Exit | Message (first line) | Changed outside the scratch database |
| --- | --- | --- | --- | --- |
";

/// The section, and the changes found (which fail the test).
pub fn section(code_cell: fn(&str) -> String) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    accounts();
    write_dumps(dir.path());
    let mut doc = HEADER.to_string();
    let mut changed = Vec::new();
    for case in CASES {
        let args = [
            "restore-check",
            case.file,
            "--scratch-url",
            case.scratch,
            "--format",
            "nagios",
            "--timeout",
            "60s",
        ];
        let run = run_in(dir.path(), &args);
        let first = run.stdout.lines().next().unwrap_or_default();
        let message = first.split(" | ").next().unwrap_or_default();
        let found = (case.look)();
        if let Some(what) = &found {
            changed.push(format!("{}: {what}\n{}", case.what, run.all()));
        }
        doc.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            case.what.replace('|', r"\|"),
            code_cell(&format!("dbrunbook {}", args.join(" "))),
            run.code,
            code_cell(message),
            found.map_or("nothing".to_string(), |w| format!("**{w}**"))
        ));
    }
    (doc, changed)
}

/// The binary run in `dir` (the dumps' relative names stay the same on every machine), with a
/// clean environment as `support::dbrunbook` gives it.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = dbrunbook_command(args);
    cmd.current_dir(dir).env("XDG_STATE_HOME", dir.join("state"));
    run_command(cmd)
}

/// The two accounts, with no setting or grant left from an earlier run, and nothing the dumps
/// create left either.
fn accounts() {
    psql(
        "DO $$ BEGIN CREATE ROLE rc_doc LOGIN CREATEDB; EXCEPTION WHEN duplicate_object THEN NULL; END $$; \
         ALTER ROLE rc_doc RESET ALL",
    );
    psql("DROP DATABASE IF EXISTS dbrunbook_doc_pwned WITH (FORCE)");
    shared_mariadb("DROP USER IF EXISTS rc_doc@'%'");
    shared_mariadb("CREATE USER rc_doc@'%'");
    shared_mariadb("GRANT ALL ON `dbrunbook\\_restore\\_%`.* TO rc_doc@'%'");
    shared_mariadb("DROP DATABASE IF EXISTS dbrunbook_restore_docpwned");
}

fn write_dumps(dir: &Path) {
    let end = "-- PostgreSQL database dump complete\n";
    // How mariadb-dump starts its files: what tells restore-check the dump's engine.
    let my = "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n--\n\
              /*!40101 SET NAMES utf8mb4 */;\n";
    for (file, text) in [
        (
            "midline-create-database.sql",
            format!("CREATE TABLE t (a int);\nSELECT 1; CREATE DATABASE dbrunbook_doc_pwned;\n{end}"),
        ),
        (
            "midline-alter-role.sql",
            format!(
                "CREATE TABLE t (a int);\nSELECT 2; ALTER ROLE CURRENT_USER SET search_path = pwned, public;\n{end}"
            ),
        ),
        (
            "dynamic-alter-role.sql",
            format!(
                "CREATE TABLE t (a int);\nDO $x$ BEGIN EXECUTE 'ALTER ' || 'ROLE CURRENT_USER SET work_mem = ''1234kB'''; \
                 END $x$;\n{end}"
            ),
        ),
        (
            "midline-create-database-my.sql",
            format!(
                "{my}CREATE TABLE t (a int);\nSELECT 1; CREATE DATABASE dbrunbook_restore_docpwned;\n-- Dump completed\n"
            ),
        ),
        (
            "grant-my.sql",
            format!("{my}CREATE TABLE t (a int);\nSELECT 1; GRANT ALL ON *.* TO rc_doc@'%';\n-- Dump completed\n"),
        ),
    ] {
        std::fs::write(dir.join(file), text).unwrap();
    }
    edited_archive(&dir.join("edited-toc.dump"));
    let made = Command::new("mkfifo").arg(dir.join("backup.sql")).status().unwrap();
    assert!(made.success());
}

/// A real custom-format archive whose table comment is overwritten, byte for byte, by two
/// statements: pg_restore would run them as written.
fn edited_archive(out: &Path) {
    let src = ScratchPg::new("rc_doc_arch");
    let comment = "A".repeat(60);
    src.sql(&format!("CREATE TABLE t (a int); COMMENT ON TABLE t IS '{comment}';"));
    let dumped = Command::new(pg_bin("pg_dump"))
        .args(["-d", &src.url(), "-Fc", "-f"])
        .arg(out)
        .status()
        .unwrap();
    assert!(dumped.success());
    let original = format!("COMMENT ON TABLE public.t IS '{comment}';");
    let hostile = "SELECT 1; ALTER ROLE CURRENT_USER SET work_mem = '2345kB';";
    let hostile = format!("{hostile}{}", " ".repeat(original.len() - hostile.len()));
    let mut bytes = std::fs::read(out).unwrap();
    let at = bytes
        .windows(original.len())
        .position(|w| w == original.as_bytes())
        .expect("the comment is in the archive's table of contents");
    bytes[at..at + original.len()].copy_from_slice(hostile.as_bytes());
    std::fs::write(out, bytes).unwrap();
}

fn psql(sql: &str) -> String {
    let out = Command::new(pg_bin("psql"))
        .args(["-X", "-At", "-d", &shared_pg_url(), "-c", sql])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn pg_database(name: &str) -> Option<String> {
    (psql(&format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'")) != "0")
        .then(|| format!("database {name} exists"))
}

fn pg_role_settings() -> Option<String> {
    let set = psql(
        "SELECT array_to_string(s.setconfig, ', ') FROM pg_db_role_setting s \
         JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'rc_doc'",
    );
    (!set.is_empty()).then(|| format!("role rc_doc has settings: {set}"))
}

fn my_database(name: &str) -> Option<String> {
    (!shared_mariadb(&format!("SHOW DATABASES LIKE '{}'", name.replace('_', "\\_"))).is_empty())
        .then(|| format!("database {name} exists"))
}

fn my_grants() -> Option<String> {
    let grants = shared_mariadb("SHOW GRANTS FOR rc_doc@'%'");
    grants
        .lines()
        .any(|g| g.contains("ON *.*") && g.contains("ALL PRIVILEGES"))
        .then(|| format!("rc_doc@'%' was granted: {grants}"))
}
