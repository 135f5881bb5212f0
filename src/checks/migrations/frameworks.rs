//! The migration tools the check knows: the history table each one creates (name and columns,
//! from the tool's own DDL), how a table the server listed is recognised as one of them, and the
//! SQL expressions that read its history. Building the queries from those expressions and a
//! quoted table name happens here too; judging what they return does not.
//!
//! DDL checked against each tool's source: Alembic `alembic/ddl/impl.py` (version_table_impl),
//! Flyway `createMetaDataTable.sql`, Liquibase's changelog and lock table generators,
//! golang-migrate `database/postgres/postgres.go` (ensureVersionTable), Rails
//! `schema_migration.rb`, dbmate `pkg/driver/postgres/postgres.go`, Ecto
//! `lib/ecto/migration/schema_migration.ex`, Django `django/db/migrations/recorder.py`, sqlx
//! `sqlx-postgres/src/migrate.rs`, Diesel `diesel_migrations/src/migration_harness.rs`, goose
//! `internal/dialect/dialectquery/postgres.go`, Knex `lib/migrations/migrate/table-creator.js`.
//! Prisma's `_prisma_migrations` is taken from the DDL `prisma migrate` writes into databases
//! (the schema engine's source was not at hand).

use std::borrow::Cow;

use crate::engine::{Param, Query};
use crate::target::Engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Framework {
    Alembic,
    Flyway,
    Liquibase,
    GolangMigrate,
    Rails,
    Dbmate,
    Ecto,
    Django,
    Sqlx,
    Diesel,
    Prisma,
    Goose,
    Knex,
}

/// How to read one tool's history table. Expressions are SQL over that table's own columns,
/// valid on PostgreSQL and MySQL alike; none holds anything a user or a database typed.
pub struct Descriptor {
    pub framework: Framework,
    /// As typed after `--framework`.
    pub name: &'static str,
    /// The table the tool creates unless configured otherwise.
    pub table: &'static str,
    /// Columns that must all be there (lowercase).
    pub columns: &'static [&'static str],
    /// The lock table the tool keeps next to its history, if any.
    pub lock: Option<LockTable>,
    pub revision: &'static str,
    pub description: &'static str,
    pub applied_at: &'static str,
    pub kind: &'static str,
    /// Newest last.
    pub order: &'static str,
    /// The row counts as an applied migration.
    pub applied: &'static str,
    /// The row records a half-applied or failed migration.
    pub broken: &'static str,
    /// What the tool recorded about a broken row (Prisma's logs...).
    pub detail: &'static str,
    /// The shell command that inspects or repairs state, for the summary.
    pub what_broken_means: &'static str,
}

pub struct LockTable {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub locked: &'static str,
    pub locked_by: &'static str,
    pub granted: &'static str,
    /// Seconds since the lock was taken, per engine; `NULL` when the tool records no time.
    pub age_postgres: &'static str,
    pub age_mysql: &'static str,
}

const NEVER: &str = "1 = 0";

pub static FRAMEWORKS: &[Descriptor] = &[
    Descriptor {
        framework: Framework::Alembic,
        name: "alembic",
        table: "alembic_version",
        columns: &["version_num"],
        lock: None,
        revision: "version_num",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version_num",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Flyway,
        name: "flyway",
        table: "flyway_schema_history",
        columns: &[
            "installed_rank",
            "version",
            "description",
            "type",
            "script",
            "checksum",
            "installed_by",
            "installed_on",
            "execution_time",
            "success",
        ],
        lock: None,
        revision: "version",
        description: "description",
        applied_at: "installed_on",
        kind: "type",
        order: "installed_rank",
        applied: "success AND version IS NOT NULL AND type <> 'DELETE' AND type NOT LIKE 'UNDO%'",
        broken: "NOT success",
        detail: "script",
        what_broken_means: "a failed migration (success = false)",
    },
    Descriptor {
        framework: Framework::Liquibase,
        name: "liquibase",
        table: "databasechangelog",
        columns: &[
            "id",
            "author",
            "filename",
            "dateexecuted",
            "orderexecuted",
            "exectype",
            "md5sum",
        ],
        lock: Some(LockTable {
            table: "databasechangeloglock",
            columns: &["id", "locked", "lockgranted", "lockedby"],
            locked: "locked",
            locked_by: "lockedby",
            granted: "lockgranted",
            age_postgres: "CAST(EXTRACT(EPOCH FROM (LOCALTIMESTAMP - CAST(lockgranted AS timestamp))) AS float8)",
            age_mysql: "TIMESTAMPDIFF(SECOND, lockgranted, NOW())",
        }),
        revision: "CONCAT(filename, '::', id, '::', author)",
        description: "NULL",
        applied_at: "dateexecuted",
        kind: "exectype",
        order: "orderexecuted",
        applied: "exectype NOT IN ('FAILED', 'SKIPPED')",
        broken: "exectype = 'FAILED'",
        detail: "md5sum",
        what_broken_means: "a changeset recorded as FAILED",
    },
    Descriptor {
        framework: Framework::GolangMigrate,
        name: "golang-migrate",
        table: "schema_migrations",
        columns: &["version", "dirty"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version",
        applied: "NOT dirty",
        broken: "dirty",
        detail: "NULL",
        what_broken_means: "dirty: a migration failed half-way",
    },
    Descriptor {
        framework: Framework::Rails,
        name: "rails",
        table: "schema_migrations",
        columns: &["version"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Dbmate,
        name: "dbmate",
        table: "schema_migrations",
        columns: &["version"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "NULL",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Ecto,
        name: "ecto",
        table: "schema_migrations",
        columns: &["version", "inserted_at"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "inserted_at",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Django,
        name: "django",
        table: "django_migrations",
        columns: &["id", "app", "name", "applied"],
        lock: None,
        revision: "CONCAT(app, '.', name)",
        description: "NULL",
        applied_at: "applied",
        kind: "NULL",
        order: "id",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Sqlx,
        name: "sqlx",
        table: "_sqlx_migrations",
        columns: &[
            "version",
            "description",
            "installed_on",
            "success",
            "checksum",
            "execution_time",
        ],
        lock: None,
        revision: "version",
        description: "description",
        applied_at: "installed_on",
        kind: "NULL",
        order: "version",
        applied: "success",
        broken: "NOT success",
        detail: "description",
        what_broken_means: "a dirty migration (success = false)",
    },
    Descriptor {
        framework: Framework::Diesel,
        name: "diesel",
        table: "__diesel_schema_migrations",
        columns: &["version", "run_on"],
        lock: None,
        revision: "version",
        description: "NULL",
        applied_at: "run_on",
        kind: "NULL",
        order: "version",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Prisma,
        name: "prisma",
        table: "_prisma_migrations",
        columns: &[
            "id",
            "checksum",
            "finished_at",
            "migration_name",
            "logs",
            "rolled_back_at",
            "started_at",
            "applied_steps_count",
        ],
        lock: None,
        revision: "migration_name",
        description: "NULL",
        applied_at: "started_at",
        kind: "CASE WHEN rolled_back_at IS NOT NULL THEN 'rolled back' WHEN finished_at IS NULL THEN 'unfinished' ELSE 'applied' END",
        order: "started_at",
        applied: "finished_at IS NOT NULL AND rolled_back_at IS NULL",
        broken: "finished_at IS NULL AND rolled_back_at IS NULL",
        detail: "logs",
        what_broken_means: "a migration that failed or is still running (finished_at and rolled_back_at empty)",
    },
    Descriptor {
        framework: Framework::Goose,
        name: "goose",
        table: "goose_db_version",
        columns: &["id", "version_id", "is_applied", "tstamp"],
        lock: None,
        revision: "version_id",
        description: "NULL",
        applied_at: "tstamp",
        kind: "CASE WHEN is_applied THEN 'up' ELSE 'down' END",
        order: "id",
        // goose's first row records version 0, before any migration.
        applied: "is_applied AND version_id <> 0",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
    Descriptor {
        framework: Framework::Knex,
        name: "knex",
        table: "knex_migrations",
        columns: &["id", "name", "batch", "migration_time"],
        lock: Some(LockTable {
            table: "knex_migrations_lock",
            columns: &["index", "is_locked"],
            locked: "is_locked",
            locked_by: "NULL",
            granted: "NULL",
            age_postgres: "CAST(NULL AS float8)",
            age_mysql: "NULL",
        }),
        revision: "name",
        description: "CONCAT('batch ', batch)",
        applied_at: "migration_time",
        kind: "NULL",
        order: "id",
        applied: "1 = 1",
        broken: NEVER,
        detail: "NULL",
        what_broken_means: "",
    },
];

pub fn descriptor(f: Framework) -> &'static Descriptor {
    FRAMEWORKS
        .iter()
        .find(|d| d.framework == f)
        .expect("every framework is described")
}

pub fn by_name(name: &str) -> Option<Framework> {
    let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
    let wanted = match wanted.as_str() {
        "migrate" | "golang" => "golang-migrate",
        "activerecord" | "active-record" => "rails",
        "sqlx-cli" => "sqlx",
        w => w,
    };
    FRAMEWORKS.iter().find(|d| d.name == wanted).map(|d| d.framework)
}

pub fn names() -> String {
    FRAMEWORKS.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
}

/// A table the server listed: schema, name and (lowercase) column names.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub schema: String,
    pub table: String,
    pub columns: Vec<String>,
}

impl Listed {
    fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    fn has_all(&self, columns: &[&str]) -> bool {
        columns.iter().all(|c| self.has(c))
    }

    fn named(&self, name: &str) -> bool {
        self.table.eq_ignore_ascii_case(name)
    }

    /// `schema.table` as a person reads it.
    pub fn shown(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    /// Matches `--table NAME` given as `table` or `schema.table`.
    fn is(&self, wanted: &str) -> bool {
        self.table == wanted || self.shown() == wanted
    }
}

/// A history table recognised as one tool's, with how it was recognised and its lock table.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub framework: Framework,
    pub table: Listed,
    pub recognised_by: String,
    pub lock: Option<Listed>,
}

/// What the user asked for: a framework, a table name, or neither.
#[derive(Debug, Default, Clone)]
pub struct Wanted<'a> {
    pub framework: Option<Framework>,
    pub table: Option<&'a str>,
}

/// Every history table among `listed`. `schema_migrations` is claimed by four tools: the
/// columns tell golang-migrate (`dirty`) and Ecto (`inserted_at`) apart; Rails keeps
/// `ar_internal_metadata` beside it, dbmate keeps nothing. A `--framework` decides for a table
/// whose columns fit it; `--table` names a history table that was renamed.
pub fn recognise(listed: &[Listed], wanted: &Wanted) -> Vec<Found> {
    let mut found = Vec::new();
    for t in listed {
        if let Some(name) = wanted.table
            && !t.is(name)
        {
            continue;
        }
        let Some((framework, how)) = classify(t, listed, wanted) else {
            continue;
        };
        let d = descriptor(framework);
        let lock = d.lock.as_ref().and_then(|l| {
            listed
                .iter()
                .find(|o| o.schema == t.schema && o.named(l.table) && o.has_all(l.columns))
                .cloned()
        });
        found.push(Found {
            framework,
            table: t.clone(),
            recognised_by: how,
            lock,
        });
    }
    found
}

fn classify(t: &Listed, listed: &[Listed], wanted: &Wanted) -> Option<(Framework, String)> {
    let cols = |d: &Descriptor| d.columns.join(", ");
    // The name to expect: the tool's own, unless --table renamed it.
    let name_ok = |d: &Descriptor| wanted.table.is_some() || t.named(d.table);
    let how = |d: &Descriptor, extra: &str| {
        let by_name = if wanted.table.is_some() {
            "named by --table".to_string()
        } else {
            format!("table name {}", d.table)
        };
        let forced = if wanted.framework.is_some() {
            ", --framework"
        } else {
            ""
        };
        format!("{by_name}, columns {}{extra}{forced}", cols(d))
    };
    if let Some(f) = wanted.framework {
        let d = descriptor(f);
        return (name_ok(d) && t.has_all(d.columns)).then(|| (f, how(d, "")));
    }
    let sibling = |name: &str| listed.iter().any(|o| o.schema == t.schema && o.named(name));
    // Most specific first: schema_migrations with dirty or inserted_at before plain version.
    for d in FRAMEWORKS {
        if !name_ok(d) || !t.has_all(d.columns) {
            continue;
        }
        let plain = matches!(d.framework, Framework::Rails | Framework::Dbmate);
        if plain && (t.has("dirty") || t.has("inserted_at")) {
            continue;
        }
        let extra = match d.framework {
            Framework::Rails if !sibling("ar_internal_metadata") => continue,
            Framework::Rails => " and ar_internal_metadata beside it".to_string(),
            Framework::Dbmate if sibling("ar_internal_metadata") => continue,
            Framework::Dbmate => " only, no ar_internal_metadata beside it".to_string(),
            _ => String::new(),
        };
        return Some((d.framework, how(d, &extra)));
    }
    None
}

/// An identifier quoted for its engine: `"a""b"` on PostgreSQL, `` `a``b` `` on MySQL.
pub fn quote_ident(name: &str, engine: Engine) -> String {
    match engine {
        Engine::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn qualified(t: &Listed, engine: Engine) -> String {
    format!("{}.{}", quote_ident(&t.schema, engine), quote_ident(&t.table, engine))
}

/// Fills a template from `sql/migrations/`: the quoted table, the dialect's type names, the
/// parameter marker and the framework's expressions (all static text of this file).
fn fill(template: &'static str, engine: Engine, table: &Listed, exprs: &[(&str, &str)]) -> String {
    let (text, int, param) = match engine {
        Engine::Mysql => ("char", "signed", "?"),
        _ => ("text", "integer", "$1"),
    };
    // The table goes in last so nothing in a name can look like a marker.
    let mut sql = template.to_string();
    for (marker, expr) in exprs {
        sql = sql.replace(&format!("{{{marker}}}"), expr);
    }
    sql = sql
        .replace("{text}", text)
        .replace("{int}", int)
        .replace("{limit}", param);
    // Comments may mention markers; only the statement's own `{table}` is replaced.
    let body: Vec<&str> = sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect();
    body.join("\n").replace("{table}", &qualified(table, engine))
}

fn exprs(d: &'static Descriptor) -> [(&'static str, &'static str); 8] {
    [
        ("revision", d.revision),
        ("description", d.description),
        ("applied_at", d.applied_at),
        ("kind", d.kind),
        ("order", d.order),
        ("applied", d.applied),
        ("broken", d.broken),
        ("detail", d.detail),
    ]
}

/// The queries that read one found table: summary, the newest `window` entries, and its lock
/// row when there is a lock table. [`QUERIES_PER_TABLE`] slots each, so `evaluate` can find them.
pub fn queries(found: &Found, engine: Engine, window: usize) -> Vec<Query> {
    let d = descriptor(found.framework);
    let e = exprs(d);
    let mut out = vec![
        Query::new(
            "reading a migration history summary",
            Cow::Owned(fill(
                include_str!("../sql/migrations/summary.sql"),
                engine,
                &found.table,
                &e,
            )),
        ),
        Query::new(
            "reading the newest migration history entries",
            Cow::Owned(fill(
                include_str!("../sql/migrations/entries.sql"),
                engine,
                &found.table,
                &e,
            )),
        )
        .param(Param::Int(window as i64)),
    ];
    if let (Some(lock), Some(l)) = (&found.lock, &d.lock) {
        let age = match engine {
            Engine::Mysql => l.age_mysql,
            _ => l.age_postgres,
        };
        let e = [
            ("locked", l.locked),
            ("locked_by", l.locked_by),
            ("granted", l.granted),
            ("age", age),
        ];
        out.push(Query::new(
            "reading a migration lock row",
            Cow::Owned(fill(include_str!("../sql/migrations/lock.sql"), engine, lock, &e)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(table: &str, cols: &str) -> Listed {
        Listed {
            schema: "public".into(),
            table: table.into(),
            columns: cols.split(',').map(String::from).collect(),
        }
    }

    fn one(listed: &[Listed]) -> Vec<Framework> {
        recognise(listed, &Wanted::default())
            .iter()
            .map(|f| f.framework)
            .collect()
    }

    #[test]
    fn schema_migrations_is_told_apart_by_columns_and_neighbours() {
        assert_eq!(
            one(&[t("schema_migrations", "version,dirty")]),
            [Framework::GolangMigrate]
        );
        assert_eq!(one(&[t("schema_migrations", "version,inserted_at")]), [Framework::Ecto]);
        assert_eq!(one(&[t("schema_migrations", "version")]), [Framework::Dbmate]);
        assert_eq!(
            one(&[
                t("ar_internal_metadata", "key,value,created_at,updated_at"),
                t("schema_migrations", "version")
            ]),
            [Framework::Rails]
        );
    }

    #[test]
    fn renamed_table_is_found_with_table_and_framework() {
        let listed = [t(
            "deploy_history",
            "installed_rank,version,description,type,script,checksum,installed_by,installed_on,execution_time,success",
        )];
        assert!(one(&listed).is_empty());
        let w = Wanted {
            framework: Some(Framework::Flyway),
            table: Some("public.deploy_history"),
        };
        let f = recognise(&listed, &w);
        assert_eq!(f.len(), 1);
        assert!(f[0].recognised_by.contains("--table"), "{}", f[0].recognised_by);
    }

    #[test]
    fn hostile_names_are_quoted_and_cannot_fake_a_marker() {
        let found = Found {
            framework: Framework::Alembic,
            table: Listed {
                schema: "s\"; DROP TABLE x; --".into(),
                table: "{limit}`".into(),
                columns: vec!["version_num".into()],
            },
            recognised_by: String::new(),
            lock: None,
        };
        let pg = queries(&found, Engine::Postgres, 5);
        assert!(
            pg[1].sql.contains("\"s\"\"; DROP TABLE x; --\".\"{limit}`\""),
            "{}",
            pg[1].sql
        );
        let my = queries(&found, Engine::Mysql, 5);
        assert!(my[1].sql.contains("`{limit}```"), "{}", my[1].sql);
        assert_eq!(my[1].sql.matches('?').count(), 1);
    }
}
