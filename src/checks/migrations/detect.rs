//! Recognising history tables among the tables the server listed: by name and the columns each
//! tool creates, with `--framework` and `--table` deciding where the user said so. What the
//! tools' tables look like is in `frameworks.rs`; reading them is not done here.

use std::collections::BTreeMap;

use anyhow::Result;

use super::frameworks::{Descriptor, FRAMEWORKS, Framework, descriptor};
use crate::engine::Rows;
use crate::quote;
use crate::target::Engine;

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

/// The MySQL listing query: every known tool's table names (history and lock) and the
/// `--table` name (its last part) as quoted literals.
pub fn mysql_listing(wanted: Option<&str>) -> String {
    let lit = |s: &str| quote::literal(Engine::Mysql, s);
    let mut known: Vec<String> = FRAMEWORKS
        .iter()
        .flat_map(|d| std::iter::once(d.table).chain(d.lock.as_ref().map(|l| l.table)))
        .chain(["ar_internal_metadata", "_yoyo_log"])
        .map(|t| lit(&t.to_ascii_lowercase()))
        .collect();
    known.sort();
    known.dedup();
    let wanted = wanted
        .map(|w| lit(w.rsplit('.').next().unwrap_or(w)))
        .unwrap_or_else(|| "NULL".into());
    let body: Vec<&str> = include_str!("../sql/mysql/migration_tables.sql")
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    body.join("\n")
        .replace("{known}", &known.join(", "))
        .replace("{wanted}", &wanted)
}

/// The MySQL listing's one row per column, grouped per table in column order; known tools'
/// tables first, as the PostgreSQL query orders them.
pub fn grouped(rows: &Rows) -> Result<Vec<Listed>> {
    let mut tables: BTreeMap<(String, String), Vec<(i64, String)>> = BTreeMap::new();
    for r in rows.iter() {
        tables
            .entry((r.text(0)?, r.text(1)?))
            .or_default()
            .push((r.int(3)?, r.text(2)?));
    }
    let mut out: Vec<Listed> = tables
        .into_iter()
        .map(|((schema, table), mut columns)| {
            columns.sort();
            Listed {
                schema,
                table,
                columns: columns.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect();
    out.sort_by_key(|t| !FRAMEWORKS.iter().any(|d| t.named(d.table)));
    Ok(out)
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
}
