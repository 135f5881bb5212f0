//! The tables of a database and their row counts, read through the read-only diagnostic
//! session, and the comparison of the restored copy with the source.

use anyhow::{Result, anyhow};

use crate::engine::{Query, Session};
use crate::report::Status;
use crate::target::Engine;

use crate::quote;

/// One table: its name as the comparison keys it, the planner's estimate, and the exact count
/// when it was counted.
#[derive(Debug, Clone)]
pub struct Table {
    /// `schema.name` on PostgreSQL; the bare name on MySQL, whose database differs between the
    /// source and the scratch copy.
    pub key: String,
    pub estimate: Option<i64>,
    pub bytes: i64,
    pub rows: Option<i64>,
    /// Why the count failed, if it did.
    pub count_error: Option<String>,
}

/// Lists the tables and counts the rows exactly of those smaller than `exact_below` bytes
/// (all of them with `None`), in one batch.
pub async fn read(session: &mut Session, engine: Engine, exact_below: Option<i64>) -> Result<Vec<Table>> {
    let list_sql = match engine {
        Engine::Mysql => include_str!("sql/mysql_tables.sql"),
        // PgBouncer never gets here (restore-check wants the dump's engine), but speaks PostgreSQL.
        Engine::Postgres | Engine::Pgbouncer => include_str!("sql/pg_tables.sql"),
    };
    let listed = session.run(&[Query::new("listing the tables", list_sql)]).await?;
    let rows = listed
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no answer listing the tables"))?
        .map_err(|e| anyhow!("listing the tables: {}", e.message))?;
    let mut tables = Vec::new();
    let mut counts = Vec::new();
    for row in rows.iter() {
        let (schema, name) = (row.text(0)?, row.text(1)?);
        let estimate = row.opt_int(2)?.filter(|n| *n >= 0);
        let bytes = row.int(3)?;
        let (key, sql) = match engine {
            Engine::Mysql => (
                name.clone(),
                format!(
                    "SELECT COUNT(*) FROM {}.{}",
                    quote::mysql::ident(&schema),
                    quote::mysql::ident(&name)
                ),
            ),
            Engine::Postgres | Engine::Pgbouncer => (
                format!("{schema}.{name}"),
                format!(
                    "SELECT pg_catalog.count(*) FROM {}.{}",
                    quote::pg::ident(&schema),
                    quote::pg::ident(&name)
                ),
            ),
        };
        if exact_below.is_none_or(|max| bytes < max) {
            counts.push((tables.len(), Query::new("counting rows", sql)));
        }
        tables.push(Table {
            key,
            estimate,
            bytes,
            rows: None,
            count_error: None,
        });
    }
    let queries: Vec<Query> = counts.iter().map(|(_, q)| q.clone()).collect();
    let results = session.run(&queries).await?;
    for ((i, _), result) in counts.iter().zip(results) {
        match result.and_then(|r| {
            r.first()
                .map(|row| row.int(0))
                .transpose()
                .map_err(|e| crate::engine::QueryError {
                    message: format!("{e:#}"),
                    denied: false,
                })
        }) {
            Ok(n) => tables[*i].rows = Some(n.unwrap_or(0)),
            Err(e) => tables[*i].count_error = Some(e.message),
        }
    }
    Ok(tables)
}

/// How a source table's rows were known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Exact,
    Estimate,
}

/// One way the restored copy differs from the source.
#[derive(Debug, Clone)]
pub struct Difference {
    pub table: String,
    pub problem: &'static str,
    pub source_rows: Option<i64>,
    pub restored_rows: Option<i64>,
    pub counted: Option<Counted>,
    pub status: Status,
}

/// Missing tables are CRITICAL; a row count off by more than `tolerance` percent is CRITICAL
/// when the source was counted exactly and WARNING when only estimated; within it, an exact
/// difference is WARNING (the source moved on since the dump) and an estimated one is no finding.
/// Tables only in the copy (dropped from the source since) are WARNING.
pub fn compare(restored: &[Table], source: &[Table], tolerance: f64) -> Vec<Difference> {
    let mut out = Vec::new();
    for s in source {
        let Some(r) = restored.iter().find(|r| r.key == s.key) else {
            out.push(Difference {
                table: s.key.clone(),
                problem: "missing from the restore",
                source_rows: s.rows.or(s.estimate),
                restored_rows: None,
                counted: None,
                status: Status::Critical,
            });
            continue;
        };
        let (source_rows, counted) = match (s.rows, s.estimate) {
            (Some(n), _) => (n, Counted::Exact),
            (None, Some(n)) => (n, Counted::Estimate),
            (None, None) => continue,
        };
        let Some(restored_rows) = r.rows else { continue };
        if restored_rows == source_rows {
            continue;
        }
        let off = (restored_rows - source_rows).unsigned_abs() as f64 * 100.0 / source_rows.max(1) as f64;
        let status = match (counted, off > tolerance) {
            (Counted::Exact, true) => Status::Critical,
            (Counted::Exact, false) | (Counted::Estimate, true) => Status::Warning,
            (Counted::Estimate, false) => continue,
        };
        out.push(Difference {
            table: s.key.clone(),
            problem: if restored_rows < source_rows {
                "fewer rows than the source"
            } else {
                "more rows than the source"
            },
            source_rows: Some(source_rows),
            restored_rows: Some(restored_rows),
            counted: Some(counted),
            status,
        });
    }
    for r in restored {
        if !source.iter().any(|s| s.key == r.key) {
            out.push(Difference {
                table: r.key.clone(),
                problem: "not in the source",
                source_rows: None,
                restored_rows: r.rows,
                counted: None,
                status: Status::Warning,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(key: &str, rows: Option<i64>, estimate: Option<i64>) -> Table {
        Table {
            key: key.into(),
            estimate,
            bytes: 0,
            rows,
            count_error: None,
        }
    }

    #[test]
    fn differences_are_graded_by_tolerance_and_how_the_source_was_counted() {
        let restored = [
            t("a", Some(100), None),
            t("b", Some(95), None),
            t("c", Some(50), None),
            t("d", Some(1000), None),
            t("e", Some(1000), None),
            t("extra", Some(1), None),
        ];
        let source = [
            t("a", Some(100), None),
            t("b", Some(100), None),
            t("c", Some(100), None),
            t("d", None, Some(1050)),
            t("e", None, Some(2000)),
            t("gone", Some(5), None),
        ];
        let diffs = compare(&restored, &source, 10.0);
        let got: Vec<(&str, Status)> = diffs.iter().map(|d| (d.table.as_str(), d.status)).collect();
        assert_eq!(
            got,
            [
                ("b", Status::Warning),
                ("c", Status::Critical),
                ("e", Status::Warning),
                ("gone", Status::Critical),
                ("extra", Status::Warning),
            ]
        );
        assert_eq!(diffs[2].counted, Some(Counted::Estimate));
    }
}
