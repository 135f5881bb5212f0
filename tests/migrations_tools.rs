//! db-migrate, node-pg-migrate, sequelize-cli and yoyo: each tool's history table created with
//! its own DDL (sources cited in src/checks/migrations/frameworks.rs), its migrations directory
//! laid out as the tool lays it, up to date and behind, on both engines where the tool supports
//! both (node-pg-migrate is PostgreSQL only). And a history table of a tool dbrunbook does not
//! read (Laravel's `migrations`), reported as such and never as "no migration history table".

use crate::support::scratch::{ScratchMaria, ScratchPg};
use crate::support::*;

/// One tool as a test needs it: its DDL per engine (`None`: the tool does not support it),
/// how a row is written, the directory's files and the revision each file records.
struct Tool {
    name: &'static str,
    pg: Option<&'static str>,
    mysql: Option<&'static str>,
    /// INSERT with `{rev}` for the recorded name.
    insert: &'static str,
    files: [(&'static str, &'static str); 2],
}

const TOOLS: [Tool; 4] = [
    Tool {
        name: "db-migrate",
        pg: Some(
            "CREATE TABLE migrations (id SERIAL PRIMARY KEY NOT NULL, name VARCHAR(255) NOT NULL, run_on TIMESTAMP NOT NULL)",
        ),
        mysql: Some(
            "CREATE TABLE migrations (id INTEGER PRIMARY KEY AUTO_INCREMENT NOT NULL, name VARCHAR(255) NOT NULL, run_on DATETIME NOT NULL)",
        ),
        insert: "INSERT INTO migrations (name, run_on) VALUES ('{rev}', CURRENT_TIMESTAMP)",
        files: [
            ("migrations/20240101000000-users.js", "/20240101000000-users"),
            ("migrations/20240201000000-orders.js", "/20240201000000-orders"),
        ],
    },
    Tool {
        name: "node-pg-migrate",
        pg: Some(
            "CREATE TABLE pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)",
        ),
        mysql: None,
        insert: "INSERT INTO pgmigrations (name, run_on) VALUES ('{rev}', now())",
        files: [
            ("migrations/1704067200000_users.js", "1704067200000_users"),
            ("migrations/1706745600000_orders.sql", "1706745600000_orders"),
        ],
    },
    Tool {
        name: "sequelize",
        pg: Some(
            "CREATE TABLE IF NOT EXISTS \"SequelizeMeta\" (\"name\" VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY (\"name\"))",
        ),
        mysql: Some(
            "CREATE TABLE IF NOT EXISTS `SequelizeMeta` (`name` VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY (`name`)) ENGINE=InnoDB",
        ),
        insert: "INSERT INTO \"SequelizeMeta\" (name) VALUES ('{rev}')",
        files: [
            (
                "migrations/20240101000000-create-users.js",
                "20240101000000-create-users.js",
            ),
            (
                "migrations/20240201000000-create-orders.js",
                "20240201000000-create-orders.js",
            ),
        ],
    },
    Tool {
        name: "yoyo",
        pg: Some(YOYO),
        mysql: Some(YOYO),
        insert: "INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc) VALUES (md5('{rev}'), '{rev}', CURRENT_TIMESTAMP)",
        files: [
            ("migrations/0001_users.sql", "0001_users"),
            ("migrations/0002_orders.py", "0002_orders"),
        ],
    },
];

/// yoyo's tables as `internalmigrations/v2.py` and `backends/base.py` create them.
const YOYO: &str = "CREATE TABLE _yoyo_migration (migration_hash VARCHAR(64), migration_id VARCHAR(255),
    applied_at_utc TIMESTAMP NULL, PRIMARY KEY (migration_hash));
  CREATE TABLE _yoyo_log (id VARCHAR(36), migration_hash VARCHAR(64), migration_id VARCHAR(255),
    operation VARCHAR(10), username VARCHAR(255), hostname VARCHAR(255), comment VARCHAR(255),
    created_at_utc TIMESTAMP NULL, PRIMARY KEY (id));
  CREATE TABLE yoyo_lock (locked INT DEFAULT 1, ctime TIMESTAMP NULL, pid INT NOT NULL, PRIMARY KEY (locked))";

fn layout(tool: &Tool) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("migrations/sqls")).unwrap();
    // db-migrate's SQL beside its .js files, and a yoyo rollback: neither is a migration.
    std::fs::write(
        d.path().join("migrations/sqls/20240101000000-users-up.sql"),
        "SELECT 1;",
    )
    .unwrap();
    if tool.name == "yoyo" {
        std::fs::write(d.path().join("migrations/0001_users.rollback.sql"), "SELECT 1;").unwrap();
    }
    for (file, _) in &tool.files {
        if tool.name == "yoyo" || !file.contains("0001_users") {
            std::fs::write(d.path().join(file), "-- migration\n").unwrap();
        }
    }
    d
}

fn run(url: &str, dir: &tempfile::TempDir) -> (serde_json::Value, i32) {
    let path = dir.path().to_str().unwrap();
    let r = dbrunbook(&["migrations", "--url", url, "--format", "json", "--dir", path]);
    (r.json(), r.code)
}

/// Behind with the first migration applied, then up to date with both: the tool's name, the
/// pending revision and the runbook, on the database at `url` where `sql` runs statements.
fn behind_then_up_to_date(tool: &Tool, url: &str, sql: &dyn Fn(&str)) {
    let insert = |rev: &str| {
        let mut s = tool.insert.replace("{rev}", rev);
        if url.starts_with("mysql") {
            s = s.replace('"', "`");
        }
        sql(&s);
    };
    let d = layout(tool);
    insert(tool.files[0].1);
    let (r, code) = run(url, &d);
    let c = &r["checks"][0];
    assert_eq!(code, 1, "{}: {r:#}", tool.name);
    assert_eq!(findings(&r, "tables")[0]["framework"], tool.name, "{r:#}");
    assert_eq!(c["runbook"]["id"], "migration-behind", "{r:#}");
    let pending: Vec<String> = findings(&r, "pending")
        .iter()
        .map(|p| p["revision"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pending, [tool.files[1].1], "{}: {r:#}", tool.name);
    insert(tool.files[1].1);
    let (r, code) = run(url, &d);
    assert_eq!(code, 0, "{}: {r:#}", tool.name);
    assert!(
        r["checks"][0]["summary"].as_str().unwrap().contains("up to date"),
        "{r:#}"
    );
}

#[test]
fn four_more_tools_behind_and_up_to_date_on_postgres() {
    for tool in TOOLS.iter() {
        let Some(ddl) = tool.pg else { continue };
        let db = ScratchPg::new(&format!("mig_tool_{}", tool.name.replace('-', "_")));
        db.sql(ddl);
        behind_then_up_to_date(tool, &db.url(), &|s| {
            db.sql(s);
        });
    }
}

#[test]
fn four_more_tools_behind_and_up_to_date_on_mariadb() {
    for tool in TOOLS.iter() {
        let Some(ddl) = tool.mysql else { continue };
        let db = ScratchMaria::new(&format!("mig_tool_{}", tool.name.replace('-', "_")));
        db.sql(ddl);
        behind_then_up_to_date(tool, &db.url(), &|s| {
            db.sql(s);
        });
    }
}

#[test]
fn a_history_table_of_an_unread_tool_is_reported_not_called_absent() {
    let db = ScratchPg::new("mig_unread");
    // Laravel's migrations table (`Illuminate\Database\Migrations\DatabaseMigrationRepository`).
    db.sql(
        "CREATE TABLE migrations (id serial PRIMARY KEY, migration varchar(255) NOT NULL, batch integer NOT NULL);
            INSERT INTO migrations (migration, batch) VALUES ('2014_10_12_000000_create_users_table', 1)",
    );
    let r = dbrunbook(&["migrations", "--url", &db.url(), "--format", "json"]);
    let c = &r.json()["checks"][0];
    assert_eq!(r.code, 1, "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(!summary.contains("no migration history table"), "{summary}");
    assert!(
        summary.contains("public.migrations looks like a migration history"),
        "{summary}"
    );
    assert!(summary.contains("1 rows"), "{summary}");
    let unread = findings(&r.json(), "unread_table");
    assert_eq!(unread[0]["columns"], "id, migration, batch");
    assert_eq!(unread[0]["state"], "not read");
    assert_eq!(c["runbook"]["id"], "migration-unread-history");
    // Its evidence step runs.
    let sql = c["runbook"]["steps"][0]["sql"].as_str().unwrap().to_string();
    db.sql(&sql);
}
