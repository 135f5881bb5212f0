//! The size check, "are we about to run out of room": database (schema) sizes, the largest
//! tables with their indexes and TOAST, bloat estimates, and on PostgreSQL transaction ID and
//! multixact age against the wraparound limit with what holds the horizon back. With
//! `--interval`, growth in bytes per second between two snapshots. Rows are decoded here; the
//! verdict is in `verdict.rs`.
//!
//! Size alone has no universal limit and neither engine shows free disk space without an
//! extension or a plugin, so sizes are metrics; the status comes from bloat (relations over
//! `--bloat-min-size`) and, on PostgreSQL, transaction ID age.

mod verdict;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::{Check, CheckOption, CheckSpec, Context, Outcome, Results, Threshold, ThresholdKind};
use crate::engine::{Param, Query, Row};
use crate::target::Engine;

pub struct Size;

/// Relations smaller than this are not judged for bloat unless `--bloat-min-size` says so:
/// small tables' bloat costs little room, and the estimate is noisy on them.
const DEFAULT_BLOAT_MIN_SIZE: &str = "100MB";

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const XID_WARNING: Threshold = Threshold {
    key: "xid_warning",
    kind: ThresholdKind::Percent,
    default: "50%",
    help: "WARNING when a database's transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit",
};

pub const XID_CRITICAL: Threshold = Threshold {
    key: "xid_critical",
    kind: ThresholdKind::Percent,
    default: "75%",
    help: "CRITICAL when a database's transaction ID (or multixact) age reaches this share of the 2^31 wraparound limit",
};

pub const BLOAT_WARNING: Threshold = Threshold {
    key: "bloat_warning",
    kind: ThresholdKind::Percent,
    default: "50%",
    help: "WARNING when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE)",
};

pub const BLOAT_CRITICAL: Threshold = Threshold {
    key: "bloat_critical",
    kind: ThresholdKind::Percent,
    default: "80%",
    help: "CRITICAL when this share of a table or index over --bloat-min-size is estimated to be bloat (MySQL: DATA_FREE)",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "size",
    about: "How big it is and whether it is about to run out of room: database sizes, the largest \
            tables with their indexes and TOAST, bloat estimates, transaction ID age against \
            wraparound (PostgreSQL), and with --interval the growth in bytes per second.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[XID_WARNING, XID_CRITICAL, BLOAT_WARNING, BLOAT_CRITICAL],
    options: &[
        CheckOption {
            key: "interval",
            value_name: "DURATION",
            help: "Take two snapshots this far apart and report growth in bytes per second",
            repeatable: false,
        },
        CheckOption {
            key: "databases",
            value_name: "SCOPE",
            help: "Size the connected database only (current, the default) or every database on the server \
                   (all: reads every file of every database, which is slow on a big server and repeated for \
                   each target of a fleet on that server). Transaction ID ages are read for every database \
                   either way; on MySQL a URL without a database sizes every schema",
            repeatable: false,
        },
        CheckOption {
            key: "bloat_min_size",
            value_name: "SIZE",
            help: "Judge bloat only on tables and indexes at least this big (default 100MB; 500kB, 10MB, 2GB)",
            repeatable: false,
        },
    ],
    ordered: &[
        (XID_WARNING.key, XID_CRITICAL.key, "transaction ID age"),
        (BLOAT_WARNING.key, BLOAT_CRITICAL.key, "bloat"),
    ],
    default_limit: 10,
    steady: true,
    server_wide: false,
    placeholders: &[
        "database",
        "connected_database",
        "xid_age",
        "xid_percent",
        "mxid_age",
        "freeze_max_age",
        "holder",
        "holder_age",
        "holder_pid",
        "holder_session",
        "holder_backend_start",
        "holder_xact_start",
        "prepared_gid",
        "slot_name",
        "index_schema",
        "index_table",
        "index",
        "index_bloat",
        "skipped",
        "xid_warning",
        "xid_critical",
        "bloat_warning",
        "bloat_critical",
        "bloat_min_size",
    ],
    item_placeholders: &[
        "schema",
        "table",
        "table_regclass",
        "table_xid_age",
        "table_size",
        "bloat",
    ],
    conditions: &[
        "wraparound_risk",
        "past_freeze_max_age",
        "oldest_elsewhere",
        "horizon_session",
        "horizon_prepared",
        "horizon_slot",
        "horizon_autovacuum",
        "horizon_protected",
        "table_bloat",
        "index_bloat",
        "insufficient_privilege",
    ],
};

impl Check for Size {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        let limit = Param::Int(ctx.limit.max(1) as i64);
        // Checked before connecting (`interval`), so the default stands only for `check`.
        let min_size = Param::Int(bloat_min_size(ctx.options).unwrap_or(100 << 20) as i64);
        let all = Param::Int(i64::from(all_databases(ctx.options).unwrap_or(false)));
        match ctx.engine() {
            Engine::Mysql => vec![
                Query::new(
                    "reading schema sizes from information_schema.TABLES",
                    include_str!("../sql/mysql/size_schemas.sql"),
                )
                .param(all),
                Query::new(
                    "reading the largest tables",
                    include_str!("../sql/mysql/size_tables.sql"),
                )
                .param(all)
                .param(limit),
                Query::new(
                    "reading tables with free space",
                    include_str!("../sql/mysql/size_free.sql"),
                )
                .param(all)
                .param(min_size),
            ],
            Engine::Postgres | Engine::Pgbouncer => vec![
                Query::new("reading settings", include_str!("../sql/postgres/size_settings.sql")).param(min_size),
                Query::new(
                    "reading database ages",
                    include_str!("../sql/postgres/size_databases.sql"),
                ),
                Query::new(
                    "reading the largest tables",
                    include_str!("../sql/postgres/size_tables.sql"),
                )
                .param(limit),
                Query::new(
                    "reading the tables with the oldest transaction IDs",
                    include_str!("../sql/postgres/size_frozen.sql"),
                )
                .param(limit),
                Query::new(
                    "reading what holds the xmin horizon back",
                    include_str!("../sql/postgres/size_horizon.sql"),
                ),
                Query::new(
                    "reading database sizes",
                    include_str!("../sql/postgres/size_database_sizes.sql"),
                )
                .param(all),
            ],
        }
    }

    /// PostgreSQL's bloat estimate, when a table or index reaches `--bloat-min-size`.
    fn follow_up(&self, ctx: &Context, results: &Results) -> Vec<Query> {
        let any_big = ctx.engine() != Engine::Mysql
            && results
                .rows(0)
                .ok()
                .and_then(|rows| rows.first().map(|r| r.int(6).map(|v| v != 0).unwrap_or(true)))
                .unwrap_or(false);
        if !any_big {
            return Vec::new();
        }
        let min_size = Param::Int(bloat_min_size(ctx.options).unwrap_or(100 << 20) as i64);
        vec![
            Query::new(
                "estimating bloat from pg_stats",
                include_str!("../sql/postgres/size_bloat.sql"),
            )
            .param(min_size),
        ]
    }

    /// `--interval` for growth; `--bloat-min-size` and `--databases` are checked here too, since
    /// this is what is asked before connecting.
    fn interval(&self, options: &BTreeMap<String, Vec<String>>) -> Result<Option<Duration>> {
        bloat_min_size(options).map_err(|e| anyhow!("--bloat-min-size: {e}"))?;
        all_databases(options).map_err(|e| anyhow!("--databases: {e}"))?;
        super::interval_option(options)
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        all_databases(ctx.options).map_err(|e| anyhow!("--databases: {e}"))?;
        let first = decode(ctx, &results.first())?;
        let second = results.second().map(|r| decode(ctx, &r)).transpose()?;
        let min_size = bloat_min_size(ctx.options).map_err(|e| anyhow!("--bloat-min-size: {e}"))?;
        Ok(verdict::evaluate(
            &first,
            second.as_ref(),
            ctx.thresholds,
            ctx.engine(),
            ctx.limit,
            min_size,
        ))
    }
}

fn bloat_min_size(options: &BTreeMap<String, Vec<String>>) -> Result<u64, String> {
    let text = options
        .get("bloat_min_size")
        .and_then(|v| v.last())
        .map(String::as_str)
        .unwrap_or(DEFAULT_BLOAT_MIN_SIZE);
    parse_size(text)
}

/// `--databases all`: size every database of the server, not only the connected one.
fn all_databases(options: &BTreeMap<String, Vec<String>>) -> Result<bool, String> {
    match options.get("databases").and_then(|v| v.last()).map(String::as_str) {
        None | Some("current") => Ok(false),
        Some("all") => Ok(true),
        Some(other) => Err(format!(
            "{:?}: use current (the connected database) or all (every database on the server)",
            crate::text::shorten(other, 40)
        )),
    }
}

/// `500kB`, `10MB`, `2GB`, `1TB` (powers of 1024, as PostgreSQL's pg_size_pretty), or bytes.
pub fn parse_size(input: &str) -> Result<u64, String> {
    let s = input.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let hint = "use a number with a unit: 500kB, 10MB, 2GB, 1TB";
    let value: f64 = number.parse().map_err(|_| format!("invalid size '{input}': {hint}"))?;
    let unit = unit.trim();
    let factor: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("invalid size '{input}': unknown unit '{unit}'; {hint}")),
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes > 1e18 {
        return Err(format!("invalid size '{input}': too large; {hint}"));
    }
    Ok(bytes.round() as u64)
}

/// One database (a schema on MySQL).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Database {
    pub name: String,
    /// `None`: this role may not connect to it, so it could not be sized.
    pub bytes: Option<i64>,
    pub free_bytes: Option<i64>,
    pub xid_age: Option<i64>,
    pub mxid_age: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub total: i64,
    /// Heap (PostgreSQL) or DATA_LENGTH (MySQL).
    pub data: i64,
    pub indexes: i64,
    pub toast: Option<i64>,
    pub free: Option<i64>,
    pub rows: Option<i64>,
    pub engine: Option<String>,
}

/// A bloat estimate: a table, or an index of `table` when `index` is set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bloat {
    pub schema: String,
    pub table: String,
    pub index: Option<String>,
    pub bytes: i64,
    /// Bytes beyond what the rows need; `None`: not estimable (no statistics).
    pub wasted: Option<i64>,
    /// The role may read the table's statistics.
    pub readable: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frozen {
    pub schema: String,
    pub name: String,
    pub xid_age: i64,
    pub mxid_age: i64,
    pub bytes: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holder {
    /// `session`, `prepared` or `slot`.
    pub kind: String,
    pub pid: Option<i64>,
    pub name: Option<String>,
    pub backend_type: Option<String>,
    pub role: Option<String>,
    pub database: Option<String>,
    pub age: i64,
    pub application: Option<String>,
    pub query: Option<String>,
    /// A session's reference for `dbrunbook end` (`crate::checks::session_ref`).
    pub reference: Option<String>,
}

/// One snapshot of what the server showed.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub databases: Vec<Database>,
    pub tables: Vec<Table>,
    pub bloat: Vec<Bloat>,
    pub frozen: Vec<Frozen>,
    pub holders: Vec<Holder>,
    pub current_database: String,
    pub role: String,
    pub freeze_max_age: Option<i64>,
    pub mxid_freeze_max_age: Option<i64>,
    /// Server clock, seconds since the epoch, for growth rates.
    pub taken_at: Option<f64>,
    /// Parts that could not be read (a timeout, a refused view), in the server's words.
    pub failed: Vec<String>,
    /// Tables under an AccessExclusiveLock (held or queued), with the pid that holds or asks for
    /// it (PostgreSQL): their sizes are pg_class's estimates, since measuring them would queue
    /// behind the lock.
    pub locked: Vec<(String, i64)>,
    /// The database sizes were read: a database without one was skipped for lack of CONNECT.
    pub sized: bool,
    /// Every database was to be sized (`--databases all`); otherwise only the connected one.
    pub all_databases: bool,
}

fn decode(ctx: &Context, r: &Results) -> Result<Snapshot> {
    let mut snap = match ctx.engine() {
        Engine::Mysql => decode_mysql(r)?,
        Engine::Postgres | Engine::Pgbouncer => decode_postgres(r)?,
    };
    snap.all_databases = all_databases(ctx.options).unwrap_or(false);
    Ok(snap)
}

fn decode_postgres(r: &Results) -> Result<Snapshot> {
    let settings = r.rows(0)?;
    let s = settings.first().ok_or_else(|| anyhow!("no row from the settings"))?;
    let mut snap = Snapshot {
        current_database: s.text(0)?,
        freeze_max_age: s.opt_int(1)?,
        mxid_freeze_max_age: s.opt_int(2)?,
        role: s.text(4)?,
        taken_at: s.opt_float(5)?,
        ..Snapshot::default()
    };
    snap.databases = r
        .rows(1)?
        .iter()
        .map(|row| {
            Ok(Database {
                name: row.text(0)?,
                bytes: None,
                free_bytes: None,
                xid_age: row.opt_int(1)?,
                mxid_age: row.opt_int(2)?,
            })
        })
        .collect::<Result<_>>()?;
    let mut locked = Vec::new();
    snap.tables = part(r, 2, &mut snap.failed, |row| {
        if let Some(pid) = row.int_named("locked_by")? {
            locked.push((format!("{}.{}", row.text(0)?, row.text(1)?), pid));
        }
        Ok(Table {
            schema: row.text(0)?,
            name: row.text(1)?,
            total: row.int(2)?,
            data: row.int(3)?,
            indexes: row.int(4)?,
            toast: row.opt_int(5)?,
            free: None,
            rows: row.opt_int(6)?.filter(|n| *n >= 0),
            engine: None,
        })
    });
    snap.locked = locked;
    snap.frozen = part(r, 3, &mut snap.failed, |row| {
        Ok(Frozen {
            schema: row.text(0)?,
            name: row.text(1)?,
            xid_age: row.int(2)?,
            mxid_age: row.int(3)?,
            bytes: row.int(4)?,
        })
    });
    snap.holders = part(r, 4, &mut snap.failed, |row| {
        Ok(Holder {
            kind: row.text(0)?,
            pid: row.opt_int(1)?,
            name: row.opt_text(2)?,
            backend_type: row.opt_text(3)?,
            role: row.opt_text(4)?,
            database: row.opt_text(5)?,
            age: row.int(6)?,
            application: row.opt_text(7)?,
            query: row.opt_text(8)?,
            reference: row.opt_text(9)?,
        })
    });
    let before = snap.failed.len();
    let sizes = part(r, 5, &mut snap.failed, |row| Ok((row.text(0)?, row.opt_int(1)?)));
    snap.sized = snap.failed.len() == before;
    for (name, bytes) in sizes {
        if let Some(d) = snap.databases.iter_mut().find(|d| d.name == name) {
            d.bytes = bytes;
        }
    }
    // The bloat estimate is a follow-up, asked for only when some relation is big enough.
    let any_big = s.int(6)? != 0;
    if any_big && r.results.len() <= 6 {
        snap.failed
            .push("the bloat estimate: it was not run (a table or index reaches --bloat-min-size)".into());
    }
    if r.results.len() > 6 {
        snap.bloat = part(r, 6, &mut snap.failed, |row| {
            let bytes = row.int(4)?;
            Ok(Bloat {
                schema: row.text(1)?,
                table: row.text(2)?,
                index: row.opt_text(3)?,
                bytes,
                wasted: row
                    .opt_float(5)?
                    .map(|expected| (bytes - expected.round() as i64).max(0)),
                readable: row.int(6)? != 0,
            })
        });
    }
    Ok(snap)
}

fn decode_mysql(r: &Results) -> Result<Snapshot> {
    let mut snap = Snapshot {
        sized: true,
        ..Snapshot::default()
    };
    for row in r.rows(0)?.iter() {
        snap.taken_at = row.opt_float(4)?;
        snap.databases.push(Database {
            name: row.text(0)?,
            bytes: row.opt_int(1)?,
            free_bytes: row.opt_int(2)?,
            xid_age: None,
            mxid_age: None,
        });
    }
    snap.tables = part(r, 1, &mut snap.failed, |row| mysql_table(&row));
    snap.bloat = part(r, 2, &mut snap.failed, |row| {
        Ok(Bloat {
            schema: row.text(0)?,
            table: row.text(1)?,
            index: None,
            bytes: row.int(3)?,
            wasted: Some(row.int(4)?),
            readable: true,
        })
    });
    Ok(snap)
}

/// The rows of a part the verdict can do without, decoded; its failure is recorded instead of
/// failing the check, so that a timeout in the bloat estimate cannot hide a wraparound CRITICAL.
fn part<T>(r: &Results, i: usize, failed: &mut Vec<String>, mut decode: impl FnMut(Row) -> Result<T>) -> Vec<T> {
    match r
        .rows(i)
        .and_then(|rows| rows.iter().map(&mut decode).collect::<Result<Vec<T>>>())
    {
        Ok(v) => v,
        Err(e) => {
            failed.push(format!("{e:#}"));
            Vec::new()
        }
    }
}

fn mysql_table(row: &Row) -> Result<Table> {
    Ok(Table {
        schema: row.text(0)?,
        name: row.text(1)?,
        total: row.int(2)?,
        data: row.int(3)?,
        indexes: row.int(4)?,
        toast: None,
        free: row.opt_int(5)?,
        rows: row.opt_int(6)?,
        engine: row.opt_text(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_every_unit_and_bad_ones_say_what_to_type() {
        assert_eq!(parse_size("500kB").unwrap(), 500 * 1024);
        assert_eq!(parse_size("10MB").unwrap(), 10 << 20);
        assert_eq!(parse_size("1.5GB").unwrap(), 3 << 29);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        let e = parse_size("ten MB").unwrap_err();
        assert!(e.contains("500kB, 10MB"), "{e}");
        assert!(parse_size("5XB").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn bad_interval_and_min_size_are_errors_before_connecting() {
        let opts = |k: &str, v: &str| BTreeMap::from([(k.to_string(), vec![v.to_string()])]);
        assert!(Size.interval(&BTreeMap::new()).unwrap().is_none());
        assert_eq!(
            Size.interval(&opts("interval", "2s")).unwrap(),
            Some(Duration::from_secs(2))
        );
        let e = Size.interval(&opts("interval", "0s")).unwrap_err().to_string();
        assert!(e.starts_with("--interval"), "{e}");
        let e = Size.interval(&opts("bloat_min_size", "lots")).unwrap_err().to_string();
        assert!(e.starts_with("--bloat-min-size"), "{e}");
    }
}
