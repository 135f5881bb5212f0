//! The slow check: which statements cost the most time, from the statistics the server already
//! keeps (PostgreSQL `pg_stat_statements`, MySQL/MariaDB performance_schema's digest table or the
//! slow log table). With `--interval`, two snapshots and their difference: what is slow now, not
//! since the statistics were last reset. Here: the spec and the queries; rows are read in
//! [`snapshot`] and [`stats`], judged in [`verdict`]; SQL in `../sql/`.

mod cost;
mod snapshot;
mod stats;
mod verdict;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::{Check, CheckOption, CheckSpec, Context, Outcome, Results, Threshold, ThresholdKind};
use crate::engine::{Param, Query};
use crate::target::Engine;
use crate::units::parse_positive_duration;
use snapshot::{Snapshot, Source, missing, source};
use stats::By;
use verdict::judge;

pub struct Slow;

/// Entries read per snapshot with `--interval`, when every statement must be compared: above
/// pg_stat_statements.max's default (5000) and performance_schema's digest table size.
const SNAPSHOT_CAP: i64 = 10_000;
/// Characters of statement text read per entry: whole for a normal statement, bounded against
/// generated SQL with thousands of values.
const TEXT_MAX: i64 = 4000;
/// Per entry with `--interval`, where every entry's text is read twice.
const SNAPSHOT_TEXT_MAX: i64 = 1000;
/// A statement this cheap (mean) called this often in the window is an N+1 suspect.
const N_PLUS_ONE_MEAN_MS: f64 = 5.0;
const N_PLUS_ONE_CALLS: f64 = 10_000.0;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const WARNING: Threshold = Threshold {
    key: "warning",
    kind: ThresholdKind::Duration,
    default: "500ms",
    help: "WARNING when a statement's mean time (in the --interval window, else since the last reset) reaches this",
};

pub const CRITICAL: Threshold = Threshold {
    key: "critical",
    kind: ThresholdKind::Duration,
    default: "5s",
    help: "CRITICAL when a statement's mean time reaches this",
};

pub const CORE_WARNING: Threshold = Threshold {
    key: "core_warning",
    kind: ThresholdKind::Cores,
    default: "50%",
    help: "WARNING when one statement (called more than once) takes this share of one core's time over the window \
           (--interval, else since the statistics were reset), whatever its mean",
};

pub const CORE_CRITICAL: Threshold = Threshold {
    key: "core_critical",
    kind: ThresholdKind::Cores,
    default: "100%",
    help: "CRITICAL when one statement takes this share of one core's time over the window",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "slow",
    about: "The statements that cost the most time, from pg_stat_statements or performance_schema: calls, \
            total and mean time, rows, cache hits; with --interval, what is slow now.",
    engines: &[Engine::Postgres, Engine::Mysql],
    // Mean time of one statement: an OLTP statement averaging half a second is latency users
    // feel; at five seconds requests pass typical HTTP and load-balancer timeouts and fail.
    // A statement's share of one core: half a core spent on one statement is load the server
    // feels whatever each call costs (an N+1 loop of 40ms calls); a whole core is a server
    // busy with little else.
    thresholds: &[WARNING, CRITICAL, CORE_WARNING, CORE_CRITICAL],
    options: &[
        CheckOption {
            key: "by",
            value_name: "total|mean|calls",
            help: "Order the statements by total time (default), mean time or calls",
            repeatable: false,
        },
        CheckOption {
            key: "interval",
            value_name: "DURATION",
            help: "Take two snapshots this far apart and report what ran between them (below --timeout)",
            repeatable: false,
        },
    ],
    ordered: &[
        (WARNING.key, CRITICAL.key, "mean statement time"),
        (CORE_WARNING.key, CORE_CRITICAL.key, "share of one core"),
    ],
    default_limit: 10,
    steady: false,
    server_wide: false,
    placeholders: &[
        "query",
        "queryid",
        "digest",
        "user",
        "database",
        "calls",
        "mean",
        "total",
        "by",
        "window",
        "stats_reset",
        "schema",
        "account",
        "warning",
        "critical",
        "share",
        "calls_per_second",
        "index_schema",
        "index_table",
        "index_column",
        "index_name",
        "scan_evidence",
    ],
    item_placeholders: &[],
    conditions: &[
        "slow_statement",
        "many_calls",
        "generic_plan",
        "pg_stat_statements_missing",
        "not_preloaded",
        "performance_schema_off",
        "digest_consumer_off",
        "slow_log",
        "insufficient_privilege",
        "stats_reset_in_window",
        "hot_statement",
        "index_candidate",
    ],
};

impl Check for Slow {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    /// `--by` is checked here too: this is the hook asked before connecting.
    fn interval(&self, options: &BTreeMap<String, Vec<String>>) -> Result<Option<Duration>> {
        let last = |key: &str| options.get(key).and_then(|v| v.last()).map(String::as_str);
        By::parse(last("by")).map_err(|e| anyhow!(e))?;
        last("interval")
            .map(|text| parse_positive_duration(text).map_err(|e| anyhow!("--interval: {e}")))
            .transpose()
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        match ctx.engine() {
            Engine::Mysql => vec![Query::new(
                "reading where statement statistics are kept",
                include_str!("../sql/mysql/slow_setup.sql"),
            )],
            Engine::Postgres | Engine::Pgbouncer => vec![Query::new(
                "looking for pg_stat_statements",
                include_str!("../sql/postgres/slow_setup.sql"),
            )],
        }
    }

    /// The statistics themselves, from wherever the first query found them.
    fn follow_up(&self, ctx: &Context, results: &Results) -> Vec<Query> {
        let Ok(Some(source)) = source(ctx, results) else {
            return Vec::new();
        };
        let by = by(ctx).sql();
        let (limit, text) = if interval(ctx).is_some() {
            (SNAPSHOT_CAP, SNAPSHOT_TEXT_MAX)
        } else {
            (ctx.limit as i64, TEXT_MAX)
        };
        let (warning_ms, critical_ms) = thresholds_ms(ctx);
        match source {
            Source::Pg { schema, info } => {
                let schema = crate::quote::pg::ident(&schema);
                let toplevel = if info { "s.toplevel" } else { "true" };
                let fill = |sql: &str| sql.replace("{schema}", &schema).replace("{toplevel}", toplevel);
                let mut out = vec![
                    Query::new(
                        "reading pg_stat_statements",
                        fill(include_str!("../sql/postgres/slow_statements.sql")),
                    )
                    .param(Param::Int(by))
                    .param(Param::Int(text))
                    .param(Param::Int(limit))
                    .param(Param::Float(warning_ms))
                    .param(Param::Float(critical_ms)),
                ];
                if info {
                    out.push(Query::new(
                        "reading pg_stat_statements_info",
                        fill(include_str!("../sql/postgres/slow_info.sql")),
                    ));
                }
                out.push(Query::new(
                    "reading sequential scans from pg_stat_user_tables",
                    include_str!("../sql/postgres/slow_seq_scans.sql"),
                ));
                out
            }
            Source::Digest => vec![
                Query::new(
                    "reading performance_schema.events_statements_summary_by_digest",
                    include_str!("../sql/mysql/slow_digest.sql"),
                )
                .param(Param::Int(text))
                .param(Param::Int(by))
                .param(Param::Int(limit)),
                Query::new(
                    "summing up the statement digests",
                    include_str!("../sql/mysql/slow_digest_summary.sql"),
                )
                .param(Param::Float(warning_ms))
                .param(Param::Float(critical_ms)),
                Query::new(
                    "reading the statements_digest consumer",
                    include_str!("../sql/mysql/slow_consumer.sql"),
                ),
            ],
            Source::SlowLog => vec![
                Query::new("reading mysql.slow_log", include_str!("../sql/mysql/slow_log.sql"))
                    .param(Param::Int(text))
                    .param(Param::Int(by))
                    .param(Param::Int(limit)),
            ],
        }
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let first = results.first();
        let source = match source(ctx, &first)? {
            Some(s) => s,
            None => return missing(ctx, &first),
        };
        let first_snap = Snapshot::read(ctx, &source, &first)?;
        let second_snap = match results.second() {
            Some(second) => Some(Snapshot::read(ctx, &source, &second)?),
            None => None,
        };
        Ok(judge(ctx, &source, &first_snap, second_snap.as_ref()))
    }
}

fn by(ctx: &Context) -> By {
    By::parse(ctx.option("by")).unwrap_or(By::Total)
}

fn interval(ctx: &Context) -> Option<Duration> {
    ctx.option("interval").and_then(|t| parse_positive_duration(t).ok())
}

fn thresholds_ms(ctx: &Context) -> (f64, f64) {
    let t = ctx.thresholds;
    (t.seconds(WARNING) * 1000.0, t.seconds(CRITICAL) * 1000.0)
}
