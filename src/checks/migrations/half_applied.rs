//! Half-applied migrations on MySQL and MariaDB: every DDL statement commits on its own there,
//! so a migration that failed part-way leaves the tables, columns and indexes of its first
//! statements while the history table records nothing. With `--dir`, the objects the
//! directory's migration files create are looked up in one query; an object of a *pending*
//! migration that already exists marks that migration half-applied. Parsing the files is in
//! `dirs/objects.rs`; the status is decided in `verdict.rs`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use super::behind::Verdict;
use super::dirs::objects::{self, Kind, Object};
use super::dirs::{Comparison, Pending};
use super::verdict::Issue;
use crate::checks::{Context, Results};
use crate::engine::Query;
use crate::quote;
use crate::report::{Finding, Status};
use crate::target::Engine;

/// The lookup query, on MySQL/MariaDB with `--dir` only (PostgreSQL runs a migration's DDL in
/// its transaction: a failure leaves nothing).
pub(super) fn query(ctx: &Context) -> Option<Query> {
    let dir = ctx.option("dir")?;
    match ctx.engine() {
        Engine::Mysql => {}
        Engine::Postgres | Engine::Pgbouncer => return None,
    }
    let all: Vec<Object> = objects::created_below(Path::new(dir)).into_values().flatten().collect();
    if all.is_empty() {
        return None;
    }
    let lit = |s: &str| quote::literal(Engine::Mysql, s);
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "NULL".to_string()
        } else {
            items.join(", ")
        }
    };
    let of = |kind: Kind| all.iter().filter(move |o| o.kind == kind);
    let tables = list(of(Kind::Table).map(|o| lit(&o.table)).collect());
    let pairs = |kind: Kind| {
        let tables = list(of(kind).map(|o| lit(&o.table)).collect());
        let pairs: Vec<String> = of(kind)
            .map(|o| format!("({}, {})", lit(&o.table), lit(&o.name)))
            .collect();
        let pairs = if pairs.is_empty() {
            "(NULL, NULL)".to_string()
        } else {
            pairs.join(", ")
        };
        (tables, pairs)
    };
    let (column_tables, columns) = pairs(Kind::Column);
    let (index_tables, indexes) = pairs(Kind::Index);
    // Only the statement's own markers: the comment lines are dropped first.
    let body: Vec<&str> = include_str!("../sql/mysql/migration_objects.sql")
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    let sql = body
        .join("\n")
        .replace("{column_tables}", &column_tables)
        .replace("{index_tables}", &index_tables)
        .replace("{columns}", &columns)
        .replace("{indexes}", &indexes)
        .replace("{tables}", &tables);
    Some(Query::new(
        "looking up objects the migration files create",
        Cow::Owned(sql),
    ))
}

/// The objects that exist, from the lookup query's rows at `at`.
pub(super) fn existing(results: &Results, at: usize) -> Option<Vec<Object>> {
    let rows = results.rows(at).ok()?;
    rows.iter()
        .map(|r| {
            let kind = match r.text(0).ok()?.as_str() {
                "table" => Kind::Table,
                "column" => Kind::Column,
                _ => Kind::Index,
            };
            Some(Object {
                kind,
                table: r.text(1).ok()?,
                name: r.text(2).ok()?,
            })
        })
        .collect()
}

/// The pending migrations some of whose objects exist: CRITICAL `half_applied`, one finding
/// and one runbook item per object. The first such migration is the one that failed.
pub(super) fn judge(ctx: &Context, c: &Comparison, exist: &[Object], v: &mut Verdict) {
    let Some(dir) = ctx.option("dir") else { return };
    let by_file = objects::created_below(Path::new(dir));
    let same = |a: &Object, b: &Object| {
        a.kind == b.kind && a.table.eq_ignore_ascii_case(&b.table) && a.name.eq_ignore_ascii_case(&b.name)
    };
    let mut hit: Vec<(&Pending, Vec<&Object>)> = Vec::new();
    for p in &c.pending {
        let there: Vec<&Object> = objects::of_file(&by_file, &p.file)
            .iter()
            .filter(|o| exist.iter().any(|e| same(e, o)))
            .collect();
        if !there.is_empty() {
            hit.push((p, there));
        }
    }
    v.facts.flag("objects_checked");
    let Some(first) = hit.first().map(|(p, _)| *p) else {
        let looked: usize = c
            .pending
            .iter()
            .map(|p| objects::of_file(&by_file, &p.file).len())
            .sum();
        v.facts.set(
            "leftover_check",
            if looked == 0 {
                "the pending files create no table, column or index that can be read from their text, so nothing was looked up".to_string()
            } else {
                format!("none of the {looked} tables, columns and indexes the pending migrations create exists yet")
            },
        );
        return;
    };
    for (p, there) in &mut hit {
        // Indexes, then columns, then tables: the order they can be removed in.
        there.sort_by_key(|o| std::cmp::Reverse(o.kind));
        for o in there.iter() {
            v.findings.push(
                Finding::new("half_applied")
                    .with("revision", p.revision.as_str())
                    .with("file", p.file.as_str())
                    .with("object", o.kind.word())
                    .with("table", o.table.as_str())
                    .with("name", o.name.as_str()),
            );
            v.facts.items.push(item(o));
        }
    }
    let shown: Vec<String> = hit[0].1.iter().map(|o| describe(o)).collect();
    v.facts.set("revision", &first.revision);
    v.facts.set("failed_file", &first.file);
    v.facts.set("leftovers", shown.join(", "));
    v.parts.insert(
        0,
        format!(
            "{} is half-applied: pending, yet {} exist{} (MySQL commits each DDL statement; a failed migration leaves what ran before the failure)",
            first.revision,
            shown.join(", "),
            if shown.len() == 1 { "s" } else { "" }
        ),
    );
    // First, so it leads over `behind`: the pending migration cannot simply be run again.
    v.issues.insert(
        0,
        Issue {
            status: Status::Critical,
            condition: "half_applied",
            table: 0,
        },
    );
}

fn describe(o: &Object) -> String {
    match o.kind {
        Kind::Table => format!("table {}", o.table),
        Kind::Column | Kind::Index => format!("{} {}.{}", o.kind.word(), o.table, o.name),
    }
}

/// One runbook item: the object's names, and the statement that would remove it, quoted here
/// (the runbook shows it as an example to complete, never as a step to run).
fn item(o: &Object) -> BTreeMap<String, String> {
    let q = |s: &str| quote::ident(Engine::Mysql, s);
    let undo = match o.kind {
        Kind::Table => format!("DROP TABLE {};", q(&o.table)),
        Kind::Column => format!("ALTER TABLE {} DROP COLUMN {};", q(&o.table), q(&o.name)),
        Kind::Index => format!("ALTER TABLE {} DROP INDEX {};", q(&o.table), q(&o.name)),
    };
    BTreeMap::from([
        ("object_kind".to_string(), o.kind.word().to_string()),
        ("object_table".to_string(), o.table.clone()),
        ("object_name".to_string(), o.name.clone()),
        ("object_undo".to_string(), undo),
    ])
}
