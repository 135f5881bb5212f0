//! Tables that look like a migration history of a tool dbrunbook does not read: named like one
//! (`migrations`, `*_migration*`, `schema_version`, `*changelog*`) with a column migration tools
//! write, yet not recognised by name and columns. They are reported (name, columns, row count,
//! "not read") so an on-call is never told "no migration history table" while one is there.
//! Their rows are never interpreted; only counted, and that bounded.

use std::borrow::Cow;

use super::behind::Verdict;
use super::detect::{Found, Listed};
use super::verdict::Issue;
use crate::checks::Results;
use crate::engine::Query;
use crate::quote;
use crate::report::{Finding, Status};
use crate::target::Engine;

/// At most this many such tables are counted and reported.
const MAX: usize = 5;
/// Rows counted before "more than".
const COUNT_CAP: i64 = 10_000;

/// Companion tables of known tools (locks, logs, metadata): never reported as unknown.
const COMPANIONS: [&str; 6] = [
    "ar_internal_metadata",
    "databasechangeloglock",
    "knex_migrations_lock",
    "yoyo_lock",
    "_yoyo_log",
    "_yoyo_version",
];

/// The listed tables that look like a history nobody recognised.
pub(super) fn unread<'a>(listed: &'a [Listed], found: &[Found]) -> Vec<&'a Listed> {
    listed
        .iter()
        .filter(|t| {
            let name = t.table.to_ascii_lowercase();
            let looks = name.contains("migration") || name.contains("changelog") || name == "schema_version";
            let known = COMPANIONS.contains(&name.as_str())
                || found.iter().any(|f| f.table == **t || f.lock.as_ref() == Some(*t));
            looks && !known
        })
        .take(MAX)
        .collect()
}

/// The unread tables and where their counts are among the results.
pub(super) struct Unread<'a> {
    pub(super) tables: Vec<&'a Listed>,
    pub(super) results: &'a Results<'a>,
    pub(super) at: usize,
}

/// One bounded count per table.
pub(super) fn queries(tables: &[&Listed], engine: Engine) -> Vec<Query> {
    tables
        .iter()
        .map(|t| {
            let name = format!("{}.{}", quote::ident(engine, &t.schema), quote::ident(engine, &t.table));
            Query::new(
                "counting the rows of a migration-like table",
                Cow::Owned(format!(
                    "SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT {}) AS s",
                    COUNT_CAP + 1
                )),
            )
        })
        .collect()
}

/// The tables' findings and notes; WARNING when nothing else was recognised (the check saw a
/// history it cannot judge: not OK, and not UNKNOWN either, which would say it could not see).
pub(super) fn judge(unread: &Unread, alone: bool, v: &mut Verdict) {
    let tables = &unread.tables;
    for (i, t) in tables.iter().enumerate() {
        let rows = unread
            .results
            .rows(unread.at + i)
            .ok()
            .and_then(|r| r.first().and_then(|row| row.int(0).ok()));
        let shown_rows = match rows {
            Some(n) if n > COUNT_CAP => format!("more than {COUNT_CAP}"),
            Some(n) => n.to_string(),
            None => "could not be counted".into(),
        };
        v.findings.push(
            Finding::new("unread_table")
                .with("schema", t.schema.as_str())
                .with("table", t.table.as_str())
                .with("columns", t.columns.join(", "))
                .with("rows", shown_rows.as_str())
                .with("state", "not read"),
        );
        let what = format!(
            "{} looks like a migration history of a tool dbrunbook does not read (columns {}; {shown_rows} rows): not read",
            t.shown(),
            t.columns.join(", ")
        );
        if i == 0 {
            v.facts.set("unread_schema", &t.schema);
            v.facts.set("unread_table", &t.table);
            v.parts.push(what);
        } else {
            v.notes.push(what);
        }
    }
    if alone && !tables.is_empty() {
        v.issues.push(Issue {
            status: Status::Warning,
            condition: "unread_history",
            table: 0,
        });
    }
}
