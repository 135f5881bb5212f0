//! The SQL that reads one recognised history table: the templates in `sql/migrations/` filled
//! with the tool's column expressions and the table's quoted name. Deciding what the rows mean
//! is not done here.

use std::borrow::Cow;

use super::detect::{Found, Listed};
use super::frameworks::{Descriptor, descriptor};
use crate::engine::{Param, Query};
use crate::quote;
use crate::target::Engine;

fn qualified(t: &Listed, engine: Engine) -> String {
    format!("{}.{}", quote::ident(engine, &t.schema), quote::ident(engine, &t.table))
}

/// Fills a template from `sql/migrations/`: the quoted table, the dialect's type names, the
/// parameter marker and the framework's expressions (all static text of this file).
fn fill(template: &'static str, engine: Engine, table: &Listed, exprs: &[(&str, &str)]) -> String {
    let (text, int, param) = match engine {
        Engine::Mysql => ("char", "signed", "?"),
        Engine::Postgres | Engine::Pgbouncer => ("text", "integer", "$1"),
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

fn exprs(d: &'static Descriptor, engine: Engine) -> [(&'static str, &'static str); 9] {
    // Bytes (sqlx's SHA-384) as hex, the way the directory parser computes it.
    let checksum = match (d.checksum_bytes, engine) {
        (false, _) => d.checksum,
        (true, Engine::Mysql) => "LOWER(HEX(checksum))",
        (true, _) => "encode(checksum, 'hex')",
    };
    [
        ("checksum", checksum),
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
    let e = exprs(d, engine);
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
            Engine::Postgres | Engine::Pgbouncer => l.age_postgres,
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
        if l.holder_host {
            out.push(Query::new(
                "listing the sessions a lock holder may be among",
                match engine {
                    Engine::Mysql => include_str!("../sql/mysql/migration_lock_sessions.sql"),
                    Engine::Postgres | Engine::Pgbouncer => {
                        include_str!("../sql/postgres/migration_lock_sessions.sql")
                    }
                },
            ));
        }
    }
    out
}

/// How many queries [`queries`] issues for one found table.
pub fn count(found: &Found) -> usize {
    let lock = descriptor(found.framework).lock.as_ref();
    match (&found.lock, lock) {
        (Some(_), Some(l)) if l.holder_host => 4,
        (Some(_), Some(_)) => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::migrations::detect::{Found, Listed};
    use crate::checks::migrations::frameworks::Framework;

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
