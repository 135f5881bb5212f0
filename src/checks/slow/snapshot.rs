//! Where a server keeps its statement statistics ([`Source`]), what to say when it keeps none,
//! and one [`Snapshot`] of them read from the rows. No SQL here and no verdict.

use anyhow::{Result, anyhow};

use super::cost::TableScans;
use super::stats::{self, Stat};
use crate::checks::{Context, Facts, Outcome, Results};
use crate::report::Status;
use crate::target::Engine;

/// Where this server keeps statement statistics the tool can read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Source {
    /// pg_stat_statements in this schema; `info`: version 1.9+ (toplevel, pg_stat_statements_info).
    Pg {
        schema: String,
        info: bool,
    },
    Digest,
    SlowLog,
}

/// The source the first query found, or `None` when there is none to read.
pub(super) fn source(ctx: &Context, results: &Results) -> Result<Option<Source>> {
    let rows = results.rows(0)?;
    let row = rows.first().ok_or_else(|| anyhow!("no row from the first query"))?;
    Ok(match ctx.engine() {
        Engine::Mysql => {
            let ps = row.int_named("performance_schema")?.unwrap_or(0) == 1;
            let log_output = row.text_named("log_output")?.unwrap_or_default();
            let slow_log = row.int_named("slow_query_log")?.unwrap_or(0) == 1;
            if ps {
                Some(Source::Digest)
            } else if slow_log && log_output.to_ascii_uppercase().contains("TABLE") {
                Some(Source::SlowLog)
            } else {
                None
            }
        }
        Engine::Postgres | Engine::Pgbouncer => {
            let schema = row.text_named("schema")?;
            let loaded = row.int_named("loaded")?.unwrap_or(0) == 1;
            let version = row.text_named("version")?.unwrap_or_default();
            match schema {
                Some(schema) if loaded => Some(Source::Pg {
                    schema,
                    info: version_at_least(&version, 1, 9),
                }),
                _ => None,
            }
        }
    })
}

fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

/// No statistics to read: UNKNOWN, with how to turn them on.
pub(super) fn missing(ctx: &Context, results: &Results) -> Result<Outcome> {
    let rows = results.rows(0)?;
    let row = rows.first().ok_or_else(|| anyhow!("no row from the first query"))?;
    let mut facts = Facts::default();
    let mut half_set_up = false;
    let summary = match ctx.engine() {
        Engine::Mysql => {
            facts.flag("performance_schema_off");
            facts.lead = Some("performance_schema_off".into());
            let enable = if ctx.server.mariadb {
                "MariaDB leaves it off by default: add performance_schema=ON under [mariadbd] in the server's \
                 my.cnf and restart the server"
            } else {
                // MySQL proper (on by default since 5.6.6; untested here: MySQL 8 cannot be
                // installed where this project is tested).
                "add performance_schema=ON under [mysqld] in my.cnf and restart the server"
            };
            format!(
                "no statement statistics: performance_schema is off and the slow log is not written to a table \
                 (log_output={}); {enable}",
                row.text_named("log_output")?.unwrap_or_default()
            )
        }
        Engine::Postgres | Engine::Pgbouncer => {
            let database = row.text_named("database")?.unwrap_or_default();
            let loaded = row.int_named("loaded")?.unwrap_or(0) == 1;
            let installed = row.text_named("schema")?.is_some();
            facts.flag("pg_stat_statements_missing");
            facts.lead = Some("pg_stat_statements_missing".into());
            let preload = row
                .text_named("preload")?
                .map(|p| match p.trim() {
                    "" => " (now empty)".to_string(),
                    p => format!(" (now '{}')", crate::text::sanitize(p, true)),
                })
                .unwrap_or_default();
            if !loaded {
                facts.flag("not_preloaded");
            }
            facts.set("database", &database);
            half_set_up = installed && !loaded;
            match (installed, loaded) {
                (false, true) => format!(
                    "pg_stat_statements is not installed in database {database}, and its library is already \
                     preloaded: run CREATE EXTENSION pg_stat_statements; there (no restart needed)"
                ),
                (false, false) => format!(
                    "pg_stat_statements is not installed in database {database}, and its library is not \
                     preloaded: add pg_stat_statements to shared_preload_libraries{preload}, restart the server, \
                     then run CREATE EXTENSION pg_stat_statements; in {database}"
                ),
                _ => format!(
                    "pg_stat_statements is installed in database {database} but its library is not loaded: add \
                     pg_stat_statements to shared_preload_libraries{preload} and restart the server"
                ),
            }
        }
    };
    // Installed but not loaded is a setup someone began and did not finish: never OK.
    if ctx.named || half_set_up {
        return Ok(Outcome {
            facts,
            ..Outcome::unknown(summary)
        });
    }
    // One of diagnose's every check, on a server that keeps no statement statistics (the
    // stock setting of both engines): a feature it lacks, as backups says of point-in-time
    // recovery, not a blind spot that should make every diagnosis of it UNKNOWN.
    Ok(Outcome {
        status: Status::Ok,
        summary: format!("not judged, the server keeps no statement statistics: {summary}"),
        notes: vec![
            "`dbrunbook slow` (or diagnose --only slow) asks for them by name and is UNKNOWN without them".into(),
        ],
        facts,
        ..Outcome::unknown("")
    })
}

/// One snapshot of the statistics.
pub(super) struct Snapshot {
    pub(super) stats: Vec<Stat>,
    /// Entries of other roles whose text this role may not read.
    pub(super) hidden: i64,
    /// Entries in the view altogether.
    pub(super) entries: Option<i64>,
    pub(super) over_warning: i64,
    pub(super) over_critical: i64,
    pub(super) worst_mean_ms: Option<f64>,
    /// When the statistics were last reset (PostgreSQL), or the oldest first-seen (MySQL).
    pub(super) since: Option<String>,
    pub(super) since_is_reset: bool,
    pub(super) account: String,
    pub(super) notes: Vec<String>,
    pub(super) consumer_off: bool,
    pub(super) denied: Option<String>,
    /// How long the totals have counted, when the server says (PostgreSQL since the reset,
    /// MySQL since the oldest digest was first seen): the window of one snapshot's costs.
    pub(super) window_seconds: Option<f64>,
    /// PostgreSQL: the connected database's tables read by sequential scans.
    pub(super) scans: Vec<TableScans>,
}

impl Snapshot {
    pub(super) fn read(ctx: &Context, source: &Source, results: &Results) -> Result<Snapshot> {
        let setup = results.rows(0)?;
        let account = setup
            .first()
            .and_then(|r| r.text_named("account").ok().flatten())
            .unwrap_or_default();
        let mut snap = Snapshot {
            stats: Vec::new(),
            hidden: 0,
            entries: None,
            over_warning: 0,
            over_critical: 0,
            worst_mean_ms: None,
            since: None,
            since_is_reset: false,
            account,
            notes: Vec::new(),
            consumer_off: false,
            denied: None,
            window_seconds: None,
            scans: Vec::new(),
        };
        // A refused read of the statistics is the tool being blind: UNKNOWN with the GRANT.
        if let Some(Err(e)) = results.get(1)
            && e.denied
        {
            snap.denied = Some(crate::text::sanitize(&e.message, true));
            return Ok(snap);
        }
        let pg = matches!(source, Source::Pg { .. });
        snap.stats = stats::decode(results.rows(1)?, pg)?;
        // PostgreSQL's statements carry the figures over every entry; MySQL's come apart.
        let summary = match source {
            Source::Pg { .. } => Some(results.rows(1)?),
            Source::Digest => Some(results.rows(2)?),
            Source::SlowLog => None,
        };
        if let Some(r) = summary.and_then(|rows| rows.first()) {
            snap.entries = r.int_named("statements")?;
            snap.hidden = r.int_named("hidden")?.unwrap_or(0);
            snap.over_warning = r.int_named("over_warning")?.unwrap_or(0);
            snap.over_critical = r.int_named("over_critical")?.unwrap_or(0);
            snap.worst_mean_ms = r.float_named("worst_mean_ms")?;
            snap.since = r.text_named("counting_since")?;
            snap.window_seconds = r.float_named("window_seconds")?;
        }
        match source {
            Source::Pg { info: true, .. } => {
                if let Some(r) = results.rows(2)?.first() {
                    snap.since = r.text_named("stats_reset")?;
                    snap.since_is_reset = snap.since.is_some();
                    snap.window_seconds = r.float_named("window_seconds")?;
                }
                snap.scans = scans(results, 3)?;
            }
            Source::Pg { info: false, .. } => {
                snap.scans = scans(results, 2)?;
                snap.notes.push(
                    "pg_stat_statements is older than 1.9: no reset time and no toplevel; update it with \
                 ALTER EXTENSION pg_stat_statements UPDATE;"
                        .into(),
                )
            }
            Source::Digest => {
                let enabled = results
                    .rows(3)?
                    .first()
                    .and_then(|r| r.text_named("enabled").ok().flatten());
                snap.consumer_off = enabled.is_some_and(|e| !e.eq_ignore_ascii_case("YES"));
            }
            Source::SlowLog => snap.notes.push(format!(
                "performance_schema is off: read from mysql.slow_log, which holds only statements slower than \
                 long_query_time, grouped by their text as sent{}",
                if ctx.server.mariadb {
                    " (MariaDB: performance_schema=ON in my.cnf and a restart give normalised statements)"
                } else {
                    ""
                }
            )),
        }
        Ok(snap)
    }
}

/// The tables read by sequential scans (`slow_seq_scans.sql`), the query at `at`; none when it
/// failed, which leaves the verdict without an index candidate, not blind.
fn scans(results: &Results, at: usize) -> Result<Vec<TableScans>> {
    let Some(Ok(rows)) = results.get(at) else {
        return Ok(Vec::new());
    };
    rows.iter()
        .map(|r| {
            Ok(TableScans {
                schema: r.text_named("schema")?.unwrap_or_default(),
                table: r.text_named("table")?.unwrap_or_default(),
                seq_scan: r.float_named("seq_scan")?.unwrap_or(0.0),
                seq_tup_read: r.float_named("seq_tup_read")?.unwrap_or(0.0),
                live_rows: r.float_named("live_rows")?.unwrap_or(0.0),
            })
        })
        .collect()
}
