//! The slow check: which statements cost the most time, from the statistics the server already
//! keeps (PostgreSQL `pg_stat_statements`, MySQL/MariaDB performance_schema's digest table or the
//! slow log table). With `--interval`, two snapshots and their difference: what is slow now, not
//! since the statistics were last reset. Rows in ([`stats`]), verdict out; SQL in `../sql/`.

mod stats;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::{
    Check, CheckOption, CheckSpec, Context, Facts, Outcome, Results, Threshold, ThresholdKind, visibility_grant,
};
use crate::engine::{Param, Query};
use crate::report::{Finding, Metric, Status};
use crate::target::Engine;
use crate::units::{format_duration, parse_positive_duration};
use stats::{By, Stat};

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

pub const SPEC: CheckSpec = CheckSpec {
    name: "slow",
    about: "The statements that cost the most time, from pg_stat_statements or performance_schema: calls, \
            total and mean time, rows, cache hits; with --interval, what is slow now.",
    engines: &[Engine::Postgres, Engine::Mysql],
    // Mean time of one statement: an OLTP statement averaging half a second is latency users
    // feel; at five seconds requests pass typical HTTP and load-balancer timeouts and fail.
    thresholds: &[
        Threshold {
            key: "warning",
            kind: ThresholdKind::Duration,
            default: "500ms",
            help: "WARNING when a statement's mean time (in the --interval window, else since the last reset) reaches this",
        },
        Threshold {
            key: "critical",
            kind: ThresholdKind::Duration,
            default: "5s",
            help: "CRITICAL when a statement's mean time reaches this",
        },
    ],
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
    ordered: &[("warning", "critical", "mean statement time")],
    default_limit: 10,
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
            _ => vec![Query::new(
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
                let schema = quote_ident(&schema);
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

    fn evaluate(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
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
    (t.seconds("warning") * 1000.0, t.seconds("critical") * 1000.0)
}

/// `"name"`, for a schema name the server listed.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Where this server keeps statement statistics the tool can read.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// pg_stat_statements in this schema; `info`: version 1.9+ (toplevel, pg_stat_statements_info).
    Pg {
        schema: String,
        info: bool,
    },
    Digest,
    SlowLog,
}

/// The source the first query found, or `None` when there is none to read.
fn source(ctx: &Context, results: &Results) -> Result<Option<Source>> {
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
        _ => {
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
fn missing(ctx: &Context, results: &Results) -> Result<Outcome> {
    let rows = results.rows(0)?;
    let row = rows.first().ok_or_else(|| anyhow!("no row from the first query"))?;
    let mut facts = Facts::default();
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
        _ => {
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
    Ok(Outcome {
        facts,
        ..Outcome::unknown(summary)
    })
}

/// One snapshot of the statistics.
struct Snapshot {
    stats: Vec<Stat>,
    /// Entries of other roles whose text this role may not read.
    hidden: i64,
    /// Entries in the view altogether.
    entries: Option<i64>,
    over_warning: i64,
    over_critical: i64,
    worst_mean_ms: Option<f64>,
    /// When the statistics were last reset (PostgreSQL), or the oldest first-seen (MySQL).
    since: Option<String>,
    since_is_reset: bool,
    account: String,
    notes: Vec<String>,
    consumer_off: bool,
    denied: Option<String>,
}

impl Snapshot {
    fn read(ctx: &Context, source: &Source, results: &Results) -> Result<Snapshot> {
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
        }
        match source {
            Source::Pg { info: true, .. } => {
                if let Some(r) = results.rows(2)?.first() {
                    snap.since = r.text_named("stats_reset")?;
                    snap.since_is_reset = snap.since.is_some();
                }
            }
            Source::Pg { info: false, .. } => snap.notes.push(
                "pg_stat_statements is older than 1.9: no reset time and no toplevel; update it with \
                 ALTER EXTENSION pg_stat_statements UPDATE;"
                    .into(),
            ),
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

/// `12.3ms`, `1.64s`, `2m 5s`: a mean of 1.6s must not read as 1s or 2s.
fn fmt_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1}ms")
    } else if ms < 60_000.0 {
        format!("{:.2}s", ms / 1000.0)
    } else {
        format_duration(Duration::from_secs_f64((ms / 1000.0).max(0.0)))
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn judge(ctx: &Context, source: &Source, first: &Snapshot, second: Option<&Snapshot>) -> Outcome {
    let engine = ctx.engine();
    let by = by(ctx);
    let (warning_ms, critical_ms) = thresholds_ms(ctx);
    let last = second.unwrap_or(first);
    let grant = match (engine, source) {
        (Engine::Mysql, _) => {
            let (user, host) = last.account.rsplit_once('@').unwrap_or((&last.account, "%"));
            let q = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
            format!("GRANT SELECT ON performance_schema.* TO {}@{};", q(user), q(host))
        }
        _ => visibility_grant(engine, &last.account),
    };
    let mut facts = Facts::default();
    if let Some(denied) = &last.denied {
        facts.flag("insufficient_privilege");
        let mut o = Outcome::unknown(format!(
            "cannot read the statement statistics ({denied}); let this user read them with: {grant}"
        ));
        o.facts = facts;
        return o;
    }
    if last.consumer_off {
        facts.flag("digest_consumer_off");
        facts.lead = Some("digest_consumer_off".into());
        let mut o = Outcome::unknown(
            "performance_schema is on but its statements_digest consumer is off, so the digest table is not filled: \
             UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = 'statements_digest'; \
             (no restart)",
        );
        o.facts = facts;
        return o;
    }
    let mut notes = last.notes.clone();
    if *source == Source::SlowLog {
        facts.flag("slow_log");
    }

    // The statements of the window, and the verdict over all of them.
    let (mut list, over_warning, over_critical, window) = match second {
        Some(second) => {
            let reset = first.since_is_reset && second.since_is_reset && first.since != second.since;
            let list = if reset {
                facts.flag("stats_reset_in_window");
                notes.push(format!(
                    "the statistics were reset between the snapshots (at {}): the figures count from the reset, \
                     a shorter window than --interval",
                    second.since.clone().unwrap_or_default()
                ));
                second
                    .stats
                    .iter()
                    .filter(|s| !s.hidden() && s.calls > 0.0)
                    .cloned()
                    .collect()
            } else {
                stats::delta(&first.stats, &second.stats)
            };
            if second.entries.is_some_and(|n| n > SNAPSHOT_CAP) {
                notes.push(format!(
                    "only {SNAPSHOT_CAP} of {} entries were compared between the snapshots",
                    second.entries.unwrap_or(0)
                ));
            }
            let over = |limit: f64| list.iter().filter(|s| s.mean_ms() >= limit).count() as i64;
            let (w, c) = (over(warning_ms), over(critical_ms));
            let window = format!("in the last {}", format_duration(interval(ctx).unwrap_or_default()));
            (list, w, c, window)
        }
        None => {
            let window = match (&first.since, first.since_is_reset) {
                (Some(at), true) => format!("since the statistics were reset at {at}"),
                (Some(at), false) => format!("since {at} (the oldest statement first seen)"),
                (None, _) => "since the statistics were last reset".to_string(),
            };
            let list: Vec<Stat> = first.stats.clone();
            let (w, c) = if *source == Source::SlowLog {
                let over = |limit: f64| list.iter().filter(|s| s.mean_ms() >= limit).count() as i64;
                (over(warning_ms), over(critical_ms))
            } else {
                (first.over_warning, first.over_critical)
            };
            (list, w, c, window)
        }
    };
    stats::sort(&mut list, by);
    let shown: Vec<&Stat> = list.iter().take(ctx.limit).collect();
    let status = if over_critical > 0 {
        Status::Critical
    } else if over_warning > 0 {
        Status::Warning
    } else {
        Status::Ok
    };

    let mut findings = Vec::new();
    for s in &shown {
        let mut f = Finding::new("statements");
        if engine == Engine::Mysql {
            f = f.with("database", s.database.as_str());
        } else {
            f = f
                .with("user", s.user.clone().unwrap_or_default())
                .with("database", s.database.as_str());
        }
        f = f
            .with("calls", s.calls.round() as i64)
            .with("total_ms", round3(s.total_ms))
            .with("mean_ms", round3(s.mean_ms()))
            .with("rows", s.rows.round() as i64);
        if engine == Engine::Mysql {
            f = f.with("rows_examined", s.rows_examined.map(|r| r.round() as i64));
            if *source == Source::Digest {
                f = f
                    .with("tmp_disk_tables", s.tmp_disk_tables.map(|r| r.round() as i64))
                    .with("no_index_used", s.no_index_used.map(|r| r.round() as i64))
                    .with("digest", s.digest.clone());
            }
        } else {
            f = f
                .with("hit_ratio", s.hit_ratio().map(|r| (r * 10.0).round() / 10.0))
                .with("temp_blks_written", s.temp_written.map(|r| r.round() as i64))
                .with("queryid", s.queryid.map(|q| q.to_string()));
        }
        f = f.with("query", s.query.as_str()).with("query_truncated", s.truncated());
        findings.push(f);
    }

    // The worst statement over the thresholds, else the first listed, for the runbook.
    let over = list
        .iter()
        .filter(|s| s.mean_ms() >= warning_ms)
        .max_by(|a, b| a.mean_ms().total_cmp(&b.mean_ms()));
    // Not a fast statement standing in for a slow one the list left out (`--by calls`).
    let lead = if over_warning > 0 { over } else { list.first() };
    if let Some(s) = lead {
        if !s.truncated() && !s.query.is_empty() {
            facts.set("query", &s.query);
        }
        if let Some(q) = s.queryid {
            facts.set("queryid", q);
        }
        if let Some(d) = &s.digest {
            facts.set("digest", d);
        }
        if let Some(u) = &s.user {
            facts.set("user", u);
        }
        facts.set("database", &s.database);
        facts.set("calls", s.calls.round() as i64);
        facts.set("mean", fmt_ms(s.mean_ms()));
        facts.set("total", fmt_ms(s.total_ms));
    }
    if status != Status::Ok {
        facts.flag("slow_statement");
        facts.lead = Some("slow_statement".into());
    }
    if list
        .iter()
        .any(|s| s.calls >= N_PLUS_ONE_CALLS && s.mean_ms() < N_PLUS_ONE_MEAN_MS)
    {
        facts.flag("many_calls");
    }
    if engine == Engine::Postgres && ctx.server.version_num >= 160000 {
        facts.flag("generic_plan");
    }
    if let Source::Pg { schema, .. } = source {
        facts.set("schema", schema);
    }
    facts.set("by", by.name());
    facts.set("window", &window);
    facts.set("account", &last.account);
    if let Some(since) = &last.since {
        facts.set("stats_reset", since);
    }
    facts.set("warning", ctx.thresholds.shown("warning"));
    facts.set("critical", ctx.thresholds.shown("critical"));

    // Over every statement of the window, not only the listed ones.
    let listed_worst = list.iter().map(Stat::mean_ms).fold(0.0, f64::max);
    let (counted, worst_mean) = match (second, first.entries) {
        (None, Some(entries)) => (entries as f64, first.worst_mean_ms.unwrap_or(listed_worst)),
        _ => (list.len() as f64, listed_worst),
    };
    let metrics = vec![
        Metric::new("statements", counted, ""),
        Metric::new("over_warning", over_warning as f64, ""),
        Metric::new("worst_mean", round3(worst_mean / 1000.0), "s")
            .thresholds(warning_ms / 1000.0, critical_ms / 1000.0),
    ];
    if list.len() > shown.len() {
        notes.push(format!(
            "showing the top {} statements by {} (--limit)",
            shown.len(),
            by.name()
        ));
    }
    let shown_text = crate::text::shorten;
    let mut summary = match (status, over) {
        (Status::Ok, _) => format!(
            "no statement averages {} or more {window}; top by {}: {}",
            ctx.thresholds.shown("warning"),
            by.name(),
            shown
                .first()
                .map(|s| format!(
                    "{} call(s), {} mean: {}",
                    s.calls.round(),
                    fmt_ms(s.mean_ms()),
                    shown_text(&s.query, 60)
                ))
                .unwrap_or_else(|| "none".into())
        ),
        (_, Some(s)) => format!(
            "{over_warning} statement(s) average {} or more {window} ({over_critical} over {}); worst: {} mean over {} \
             call(s): {}",
            ctx.thresholds.shown("warning"),
            ctx.thresholds.shown("critical"),
            fmt_ms(s.mean_ms()),
            s.calls.round(),
            shown_text(&s.query, 80)
        ),
        (_, None) => format!(
            "{over_warning} statement(s) average {} or more {window}; list them with --by mean",
            ctx.thresholds.shown("warning")
        ),
    };
    let mut status = status;
    if last.hidden > 0 {
        // Their counters count in the verdict, but their texts (and so what they are) are
        // hidden: no OK on statements the tool cannot name.
        facts.flag("insufficient_privilege");
        let blind = format!(
            "{} statement(s) of other users hide their text from this user ({grant})",
            last.hidden
        );
        notes.push(blind.clone());
        if status == Status::Ok {
            status = Status::Unknown;
            summary = format!("cannot vouch for {blind}; of the rest: {summary}");
        } else {
            summary = format!("{summary}; {blind}");
        }
    }
    Outcome {
        status,
        summary,
        metrics,
        findings,
        notes,
        facts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Thresholds;
    use crate::engine::ServerInfo;

    fn stat(query: &str, calls: f64, total_ms: f64) -> Stat {
        Stat {
            key: Some(query.into()),
            user: Some("app".into()),
            database: "shop".into(),
            queryid: Some(42),
            calls,
            total_ms,
            query: query.into(),
            query_length: query.len() as i64,
            ..Stat::default()
        }
    }

    fn snapshot(stats: Vec<Stat>, over_warning: i64, hidden: i64) -> Snapshot {
        Snapshot {
            stats,
            hidden,
            entries: Some(100),
            over_warning,
            over_critical: 0,
            worst_mean_ms: Some(900.0),
            since: Some("2026-01-01T00:00:00Z".into()),
            since_is_reset: true,
            account: "watcher".into(),
            notes: vec![],
            consumer_off: false,
            denied: None,
        }
    }

    fn judged(first: &Snapshot, options: &[(&str, &str)]) -> Outcome {
        let server = ServerInfo {
            engine: Engine::Postgres,
            version: "16.4".into(),
            version_num: 160004,
            mariadb: false,
        };
        let thresholds = Thresholds::resolve(&SPEC, &BTreeMap::new(), &BTreeMap::new()).unwrap();
        let options: BTreeMap<String, Vec<String>> = options
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect();
        let ctx = Context {
            server: &server,
            thresholds: &thresholds,
            limit: 10,
            options: &options,
        };
        let source = Source::Pg {
            schema: "public".into(),
            info: true,
        };
        judge(&ctx, &source, first, None)
    }

    #[test]
    fn a_slow_statement_left_out_of_the_list_is_not_replaced_by_a_fast_one() {
        // Listed by calls: only the cheap statement; the server counted one over 500ms.
        let o = judged(
            &snapshot(vec![stat("select 1", 90_000.0, 900.0)], 1, 0),
            &[("by", "calls")],
        );
        assert_eq!(o.status, Status::Warning);
        assert!(o.summary.contains("--by mean"), "{}", o.summary);
        assert!(!o.facts.values.contains_key("query"), "{:?}", o.facts.values);
        assert!(o.facts.conditions.contains("many_calls"));
        assert!(o.facts.conditions.contains("generic_plan"));
    }

    #[test]
    fn hidden_texts_make_ok_unknown_with_the_grant() {
        let o = judged(&snapshot(vec![stat("select 1", 3.0, 3.0)], 0, 4), &[]);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.summary.contains("GRANT pg_monitor TO \"watcher\""), "{}", o.summary);
        assert!(o.facts.conditions.contains("insufficient_privilege"));
    }

    #[test]
    fn a_truncated_text_gives_no_explain() {
        let mut long = stat("select 2", 2.0, 2000.0);
        long.query_length = 9000;
        let o = judged(&snapshot(vec![long], 1, 0), &[]);
        assert_eq!(o.status, Status::Warning);
        assert!(!o.facts.values.contains_key("query"));
        assert_eq!(o.findings[0].fields["query_truncated"], true);
        assert_eq!(o.facts.values["mean"], "1.00s");
    }
}
