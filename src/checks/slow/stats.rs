//! Statement statistics as the slow check reads them: one [`Stat`] per normalised statement from
//! either engine's rows (pg_stat_statements, performance_schema's digest table, the slow log
//! table), and the change between two snapshots. No SQL and no verdicts here.

use std::collections::HashMap;

use anyhow::Result;

use crate::engine::{Row, Rows};

/// What the list is ordered by (`--by`); the number is the SQL's `$1`/`?` for ORDER BY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Total,
    Mean,
    Calls,
}

impl By {
    pub fn parse(text: Option<&str>) -> Result<By, String> {
        match text.map(str::trim) {
            None | Some("total") => Ok(By::Total),
            Some("mean") => Ok(By::Mean),
            Some("calls") => Ok(By::Calls),
            Some(other) => Err(format!(
                "invalid --by '{}': use total, mean or calls",
                crate::text::shorten(other, 40)
            )),
        }
    }

    pub fn sql(self) -> i64 {
        match self {
            By::Total => 0,
            By::Mean => 1,
            By::Calls => 2,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            By::Total => "total time",
            By::Mean => "mean time",
            By::Calls => "calls",
        }
    }

    fn value(self, s: &Stat) -> f64 {
        match self {
            By::Total => s.total_ms,
            By::Mean => s.mean_ms(),
            By::Calls => s.calls,
        }
    }
}

/// One normalised statement's counters, as of one snapshot or over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stat {
    /// What identifies the statement across snapshots: PostgreSQL (userid, dbid, queryid,
    /// toplevel), MySQL (schema, digest). `None` when the server hides it (another role's
    /// statement on PostgreSQL without pg_read_all_stats).
    pub key: Option<String>,
    pub user: Option<String>,
    pub database: String,
    pub queryid: Option<i64>,
    pub digest: Option<String>,
    pub calls: f64,
    pub total_ms: f64,
    pub rows: f64,
    /// PostgreSQL's shared buffers found in cache and read in.
    pub shared_hit: Option<f64>,
    pub shared_read: Option<f64>,
    pub temp_written: Option<f64>,
    /// MySQL: rows looked at, temporary tables on disk, executions without an index.
    pub rows_examined: Option<f64>,
    pub tmp_disk_tables: Option<f64>,
    pub no_index_used: Option<f64>,
    /// The normalised text, cut server-side to a bound.
    pub query: String,
    /// The text's whole length, to tell when `query` was cut.
    pub query_length: i64,
}

impl Stat {
    pub fn mean_ms(&self) -> f64 {
        if self.calls > 0.0 {
            self.total_ms / self.calls
        } else {
            0.0
        }
    }

    /// Percent of shared-buffer reads served from cache; `None` when there were none.
    pub fn hit_ratio(&self) -> Option<f64> {
        let (hit, read) = (self.shared_hit?, self.shared_read?);
        (hit + read > 0.0).then(|| 100.0 * hit / (hit + read))
    }

    pub fn truncated(&self) -> bool {
        self.query_length > self.query.chars().count() as i64
    }

    pub fn hidden(&self) -> bool {
        self.key.is_none()
    }

    /// A row of `slow_statements.sql` (PostgreSQL).
    pub fn from_pg(row: &Row) -> Result<Stat> {
        let queryid = row.int_named("queryid")?;
        let key = queryid.map(|q| {
            format!(
                "{}/{}/{q}/{}",
                row.int_named("userid").ok().flatten().unwrap_or(0),
                row.int_named("dbid").ok().flatten().unwrap_or(0),
                row.int_named("toplevel").ok().flatten().unwrap_or(1)
            )
        });
        Ok(Stat {
            key,
            user: row.text_named("usename")?,
            database: row.text_named("database")?.unwrap_or_default(),
            queryid,
            digest: None,
            calls: row.float_named("calls")?.unwrap_or(0.0),
            total_ms: row.float_named("total_ms")?.unwrap_or(0.0),
            rows: row.float_named("rows")?.unwrap_or(0.0),
            shared_hit: row.float_named("shared_blks_hit")?,
            shared_read: row.float_named("shared_blks_read")?,
            temp_written: row.float_named("temp_blks_written")?,
            query: row.text_named("query")?.unwrap_or_default(),
            query_length: row.int_named("query_length")?.unwrap_or(0),
            ..Stat::default()
        })
    }

    /// A row of `slow_digest.sql` or `slow_log.sql` (MySQL/MariaDB).
    pub fn from_mysql(row: &Row) -> Result<Stat> {
        let database = row.text_named("database")?.unwrap_or_default();
        let digest = row.text_named("digest")?.unwrap_or_default();
        Ok(Stat {
            key: Some(format!("{database}/{digest}")),
            user: None,
            database,
            queryid: None,
            digest: (!digest.is_empty()).then_some(digest),
            calls: row.float_named("calls")?.unwrap_or(0.0),
            total_ms: row.float_named("total_ms")?.unwrap_or(0.0),
            rows: row.float_named("rows")?.unwrap_or(0.0),
            rows_examined: row.float_named("rows_examined")?,
            tmp_disk_tables: row.float_named("tmp_disk_tables")?,
            no_index_used: row.float_named("no_index_used")?,
            query: row.text_named("query")?.unwrap_or_default(),
            query_length: row.int_named("query_length")?.unwrap_or(0),
            ..Stat::default()
        })
    }
}

pub fn decode(rows: &Rows, engine_is_pg: bool) -> Result<Vec<Stat>> {
    rows.iter()
        .map(|r| {
            if engine_is_pg {
                Stat::from_pg(&r)
            } else {
                Stat::from_mysql(&r)
            }
        })
        .collect()
}

/// What ran between two snapshots: each statement of the second minus its counters in the
/// first. A statement new in the second, or whose counters went down (evicted and back, or
/// reset), counts whole: all of it happened since. Statements without calls in the window and
/// hidden ones (no key to match) are left out.
pub fn delta(first: &[Stat], second: &[Stat]) -> Vec<Stat> {
    let before: HashMap<&str, &Stat> = first.iter().filter_map(|s| Some((s.key.as_deref()?, s))).collect();
    second
        .iter()
        .filter(|s| !s.hidden())
        .map(|s| match s.key.as_deref().and_then(|k| before.get(k)) {
            Some(b) if s.calls >= b.calls && s.total_ms >= b.total_ms => {
                let minus = |a: Option<f64>, b: Option<f64>| Some((a? - b.unwrap_or(0.0)).max(0.0));
                Stat {
                    calls: s.calls - b.calls,
                    total_ms: s.total_ms - b.total_ms,
                    rows: (s.rows - b.rows).max(0.0),
                    shared_hit: minus(s.shared_hit, b.shared_hit),
                    shared_read: minus(s.shared_read, b.shared_read),
                    temp_written: minus(s.temp_written, b.temp_written),
                    rows_examined: minus(s.rows_examined, b.rows_examined),
                    tmp_disk_tables: minus(s.tmp_disk_tables, b.tmp_disk_tables),
                    no_index_used: minus(s.no_index_used, b.no_index_used),
                    ..s.clone()
                }
            }
            _ => s.clone(),
        })
        .filter(|s| s.calls > 0.0)
        .collect()
}

/// Largest first by `by`, ties by total time.
pub fn sort(stats: &mut [Stat], by: By) {
    stats.sort_by(|a, b| {
        by.value(b)
            .total_cmp(&by.value(a))
            .then(b.total_ms.total_cmp(&a.total_ms))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(key: &str, calls: f64, total_ms: f64) -> Stat {
        Stat {
            key: Some(key.into()),
            calls,
            total_ms,
            query: key.into(),
            ..Stat::default()
        }
    }

    #[test]
    fn the_window_holds_only_what_ran_between_the_snapshots() {
        let first = [stat("before-only", 5.0, 5000.0), stat("both", 10.0, 100.0)];
        let second = [
            stat("before-only", 5.0, 5000.0),
            stat("both", 12.0, 2100.0),
            stat("new", 1.0, 300.0),
        ];
        let d = delta(&first, &second);
        let keys: Vec<_> = d.iter().map(|s| s.query.as_str()).collect();
        assert_eq!(keys, ["both", "new"]);
        assert_eq!(d[0].calls, 2.0);
        assert_eq!(d[0].mean_ms(), 1000.0);
        assert_eq!(d[1].total_ms, 300.0);
    }

    #[test]
    fn a_statement_whose_counters_went_down_counts_whole() {
        // Reset or evicted and back between the snapshots: everything it shows ran since.
        let d = delta(&[stat("s", 100.0, 1000.0)], &[stat("s", 3.0, 30.0)]);
        assert_eq!((d[0].calls, d[0].total_ms), (3.0, 30.0));
    }

    #[test]
    fn hidden_statements_cannot_be_matched() {
        let hidden = Stat {
            key: None,
            calls: 4.0,
            ..Stat::default()
        };
        assert!(delta(&[], &[hidden]).is_empty());
    }

    #[test]
    fn by_mean_puts_the_slowest_statement_first() {
        let mut s = vec![stat("many", 1000.0, 2000.0), stat("slow", 2.0, 1800.0)];
        sort(&mut s, By::Mean);
        assert_eq!(s[0].query, "slow");
        sort(&mut s, By::Total);
        assert_eq!(s[0].query, "many");
        assert!(By::parse(Some("median")).unwrap_err().contains("total, mean or calls"));
    }
}
