//! Running the shipped runbooks' `sql:` snippets for real: each filled from a real incident (a
//! session idle in its transaction, as its own role and application) and executed on a server of
//! its dialect. Used by `tests/runbook_snippets.rs` and, for every PostgreSQL major, by
//! `tests/pg_versions.rs`.

use std::collections::BTreeMap;
use std::process::Command;

use dbrunbook::checks::CHECKS;
use dbrunbook::runbook::{Catalog, Dialect, template};

use super::ThrowawayPg;

pub const VICTIM: &str = "snippet_victim";

/// A real table (and its primary key's index) for steps that name one: VACUUM, REINDEX,
/// OPTIMIZE TABLE need an existing relation. Created by the runners before any snippet.
pub const SCRATCH_SCHEMA: &str = "snippet_schema";
pub const SCRATCH_TABLE: &str = "snippet_table";
pub const SCRATCH_INDEX: &str = "snippet_table_pkey";

/// Server settings a PostgreSQL that runs the snippets needs: replication slots (a step drops
/// one) need wal_level replica.
pub const SNIPPET_SETTINGS: &[&str] = &[
    "wal_level=replica",
    "max_wal_senders=2",
    "shared_preload_libraries=pg_stat_statements",
];

/// The statements that create [`SCRATCH_TABLE`] on MySQL/MariaDB.
pub fn mysql_scratch_table() -> String {
    format!(
        "CREATE DATABASE {SCRATCH_SCHEMA}; \
         CREATE TABLE {SCRATCH_SCHEMA}.{SCRATCH_TABLE} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB"
    )
}

/// Every snippet of a dialect: (runbook id, step number, SQL template).
pub fn snippets(dialect: Dialect) -> Vec<(String, usize, String)> {
    let catalog = Catalog::embedded().expect("the shipped runbooks load");
    let mut out = Vec::new();
    for rb in catalog.runbooks() {
        for (n, step) in rb.phases().iter().flat_map(|(_, steps)| steps.iter()).enumerate() {
            if let Some(sql) = step.sql.get(&dialect) {
                out.push((rb.id.clone(), n + 1, sql.clone()));
            }
        }
    }
    assert!(
        !out.is_empty() || dialect == Dialect::Mysql8,
        "no {dialect} snippets at all"
    );
    out
}

/// Values for every placeholder any check offers, from the incident: the victim's pid, role,
/// database and application; plausible numbers and durations for the rest.
pub fn facts(pid: i64, database: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for check in CHECKS {
        let spec = check.spec();
        for name in spec.placeholders.iter().chain(spec.item_placeholders) {
            // A session's start, read alike by PostgreSQL (timestamptz) and MySQL (DATETIME).
            let value = if name.ends_with("_start") {
                "2026-01-01 00:00:00".to_string()
            } else if name.ends_with("pid") {
                pid.to_string()
            } else if name.ends_with("user") {
                VICTIM.to_string()
            } else if name.ends_with("database") {
                database.to_string()
            } else if name.ends_with("application") {
                "snippet-app".to_string()
            } else if name.ends_with("client") {
                "127.0.0.1".to_string()
            } else if name.ends_with("account") {
                VICTIM.to_string()
            } else if name.ends_with("schema") {
                SCRATCH_SCHEMA.to_string()
            } else if name.ends_with("table") {
                SCRATCH_TABLE.to_string()
            } else if name.ends_with("index") {
                SCRATCH_INDEX.to_string()
            } else if name.ends_with("backend_start") {
                // A session's identity beside its pid: a real timestamp (it matches no session).
                "2000-01-01 00:00:00+00".to_string()
            } else if name.ends_with("column") {
                // A column of the scratch table (an index is built on it).
                "v".to_string()
            } else if name.ends_with("query") {
                "SELECT 1".to_string()
            } else {
                "5".to_string()
            };
            values.insert(name.to_string(), value);
        }
    }
    values
}

/// Client meta-commands (`\G`, `\gx`, `\x`) are not SQL: another client, or a driver, rejects
/// them.
fn assert_plain_sql(id: &str, n: usize, sql: &str) {
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') if chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) => {
                panic!("{id} step {n}: a client meta-command is not SQL:\n{sql}")
            }
            _ => {}
        }
    }
}

pub fn filled(id: &str, n: usize, template_sql: &str, facts: &BTreeMap<String, String>, dialect: Dialect) -> String {
    assert_plain_sql(id, n, template_sql);
    template::fill_sql(template_sql, facts, dialect.engine())
        .unwrap_or_else(|| panic!("{id} step {n}: a placeholder could not be filled:\n{template_sql}"))
}

pub fn run(cmd: &mut Command, input: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snippet.sql");
    std::fs::write(&file, input).unwrap();
    let out = cmd
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{input}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs every PostgreSQL snippet on `pg` as `postgres`, each against a fresh victim session
/// (a `VICTIM` role, created here, idle in its transaction), with `pg`'s own major's psql.
pub fn run_postgres_snippets(pg: &ThrowawayPg) {
    // The slow-statements steps read and reset pg_stat_statements (the server preloads it);
    // like every schema placeholder, theirs is filled with the scratch schema.
    pg.psql(&[
        &format!("CREATE ROLE {VICTIM} LOGIN"),
        &format!("CREATE SCHEMA {SCRATCH_SCHEMA}"),
        &format!("CREATE TABLE {SCRATCH_SCHEMA}.{SCRATCH_TABLE} (id int PRIMARY KEY, v text)"),
        "DROP EXTENSION IF EXISTS pg_stat_statements",
        &format!("CREATE EXTENSION pg_stat_statements SCHEMA {SCRATCH_SCHEMA}"),
    ]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (id, n, sql) in snippets(Dialect::Postgres) {
        // A fresh victim each time: the snippet may terminate it.
        let conninfo = format!("{} application_name=snippet-app", pg.keyvalue(VICTIM, "postgres"));
        let (victim, pid) = rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
            client.batch_execute("BEGIN; SELECT 1").await.unwrap();
            (client, pid)
        });
        let mut values = facts(pid.into(), "postgres");
        if sql.contains("prepared_gid") {
            // The incident for steps about a prepared transaction: a real one, left prepared
            // (the server needs max_prepared_transactions, see PgOptions).
            let gid = format!("snippet-{id}-{n}");
            pg.psql(&["BEGIN", &format!("PREPARE TRANSACTION '{gid}'")]);
            values.insert("prepared_gid".into(), gid);
        }
        if sql.contains("slot_name") {
            // The incident for steps about a replication slot: a real one (physical slots need
            // no wal_level change).
            // Named after the runbook too: a slot a step leaves behind (a guarded drop that
            // did not match) must not collide with another runbook's step of the same number.
            let slot = format!("snippet_slot_{}_{n}", id.replace('-', "_"));
            pg.psql(&[&format!("SELECT pg_create_physical_replication_slot('{slot}')")]);
            values.insert("slot_name".into(), slot);
        }
        let sql = filled(&id, n, &sql, &values, Dialect::Postgres);
        run(
            &mut psql(&pg.bin("psql"), pg.port, "postgres"),
            &sql,
            &format!("{id} step {n} (postgres)"),
        );
        drop(victim);
    }
}

/// psql as `postgres` on 127.0.0.1:`port`, stopping at the first error, reading stdin.
pub fn psql(program: &std::path::Path, port: u16, database: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.args([
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        database,
    ])
    .args(["-p", &port.to_string()]);
    cmd
}
