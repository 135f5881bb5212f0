//! The slow check's verdict on one snapshot, or on the change between two: which statements
//! are listed, the status from their mean times, the summary, and the facts the runbook uses.

use super::cost::{self, TableScans};
use super::snapshot::{Snapshot, Source};
use super::stats::{self, Stat};
use super::{CORE_CRITICAL, CORE_WARNING, CRITICAL, WARNING};
use super::{N_PLUS_ONE_CALLS, N_PLUS_ONE_MEAN_MS, SNAPSHOT_CAP, by, interval, thresholds_ms};
use crate::checks::{Context, Facts, Outcome, visibility_grant};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::units::{format_duration, human_millis};

/// `0.4ms`, `12ms`, `1.6s`: a mean of 1.6s must not read as 1s or 2s.
fn fmt_ms(ms: f64) -> String {
    human_millis(ms)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(super) fn judge(ctx: &Context, source: &Source, first: &Snapshot, second: Option<&Snapshot>) -> Outcome {
    let engine = ctx.engine();
    let by = by(ctx);
    let (warning_ms, critical_ms) = thresholds_ms(ctx);
    let last = second.unwrap_or(first);
    let grant = grant(engine, last);
    let mut facts = Facts::default();
    if let Some(o) = unreadable(last, &grant) {
        return o;
    }
    let mut notes = last.notes.clone();
    if *source == Source::SlowLog {
        facts.flag("slow_log");
    }
    let Window {
        mut list,
        over_warning,
        over_critical,
        text: window,
    } = match second {
        Some(second) => two_snapshots(ctx, first, second, &mut facts, &mut notes),
        None => one_snapshot(ctx, source, first),
    };
    stats::sort(&mut list, by);
    let shown: Vec<&Stat> = list.iter().take(ctx.limit).collect();
    let (window_seconds, scans) = costs_window(ctx, first, second);
    let (warning_over, _) = thresholds_ms(ctx);
    let slowest_over = list
        .iter()
        .filter(|s| s.mean_ms() >= warning_over)
        .max_by(|a, b| a.mean_ms().total_cmp(&b.mean_ms()));
    let hot =
        hottest(ctx, &list, window_seconds).or_else(|| costlier_than_one_off(&list, slowest_over, window_seconds));
    let mut status = if over_critical > 0 {
        Status::Critical
    } else if over_warning > 0 {
        Status::Warning
    } else {
        Status::Ok
    };
    if let Some((_, share)) = hot {
        let core_critical = ctx.thresholds.percent(CORE_CRITICAL) / 100.0;
        let core_warning = ctx.thresholds.percent(CORE_WARNING) / 100.0;
        status = status.worst(if share >= core_critical {
            Status::Critical
        } else if share >= core_warning {
            Status::Warning
        } else {
            Status::Ok
        });
    }
    let findings = shown
        .iter()
        .map(|s| statement_finding(engine, source, s, window_seconds))
        .collect();

    // The worst statement over the thresholds, else the first listed, for the runbook.
    let over = slowest_over;
    // The statement that costs the most leads, over one that is slow once (a data load); not a
    // fast statement standing in for a slow one the list left out (`--by calls`).
    let lead = hot
        .map(|(s, _)| s)
        .or(if over_warning > 0 { over } else { list.first() });
    if let Some(s) = lead {
        lead_facts(&mut facts, s);
    }
    if status != Status::Ok {
        facts.flag("slow_statement");
        facts.lead = Some("slow_statement".into());
        if let Some(s) = lead {
            index_facts(&mut facts, s, &scans);
        }
    }
    if let Some((s, share)) = hot {
        hot_facts(&mut facts, s, share, window_seconds.unwrap_or_default());
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
    facts.set("warning", ctx.thresholds.shown(WARNING));
    facts.set("critical", ctx.thresholds.shown(CRITICAL));

    // Over every statement of the window, not only the listed ones.
    let listed_worst = list.iter().map(Stat::mean_ms).fold(0.0, f64::max);
    let (counted, worst_mean) = match (second, first.entries) {
        (None, Some(entries)) => (entries as f64, first.worst_mean_ms.unwrap_or(listed_worst)),
        _ => (list.len() as f64, listed_worst),
    };
    let metrics = vec![
        Metric::new("statements", counted, Unit::Count),
        Metric::new("over_warning", over_warning as f64, Unit::Count),
        Metric::new("worst_mean", round3(worst_mean / 1000.0), Unit::Seconds)
            .thresholds(warning_ms / 1000.0, critical_ms / 1000.0),
    ];
    if list.len() > shown.len() {
        notes.push(format!(
            "showing the top {} statements by {} (--limit)",
            shown.len(),
            by.name()
        ));
    }
    let counts = (over_warning, over_critical);
    let summary = match hot {
        Some((s, share)) => hot_summary(s, share, window_seconds.unwrap_or_default(), &window, counts),
        None => summary(ctx, status, over, shown.first().copied(), &window, counts),
    };
    let mut outcome = Outcome {
        status,
        summary,
        metrics,
        findings,
        notes,
        facts,
    };
    not_vouched(&mut outcome, last, &grant);
    outcome
}

/// The GRANT that lets this user read every user's statement statistics.
fn grant(engine: Engine, last: &Snapshot) -> String {
    match engine {
        Engine::Mysql => format!(
            "GRANT SELECT ON performance_schema.* TO {};",
            crate::quote::mysql::account(&last.account)
        ),
        Engine::Postgres | Engine::Pgbouncer => visibility_grant(engine, &last.account),
    }
}

/// UNKNOWN when the statistics cannot be read at all: refused, or MySQL's digest consumer off.
fn unreadable(last: &Snapshot, grant: &str) -> Option<Outcome> {
    let mut facts = Facts::default();
    let mut o = if let Some(denied) = &last.denied {
        facts.flag("insufficient_privilege");
        Outcome::unknown(format!(
            "cannot read the statement statistics ({denied}); let this user read them with: {grant}"
        ))
    } else if last.consumer_off {
        facts.flag("digest_consumer_off");
        facts.lead = Some("digest_consumer_off".into());
        Outcome::unknown(
            "performance_schema is on but its statements_digest consumer is off, so the digest table is not filled: \
             UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = 'statements_digest'; \
             (no restart)",
        )
    } else {
        return None;
    };
    o.facts = facts;
    Some(o)
}

/// The statements of the window, how many are over each threshold, and the window in words.
struct Window {
    list: Vec<Stat>,
    over_warning: i64,
    over_critical: i64,
    text: String,
}

/// Two snapshots `--interval` apart: what ran between them (or since a reset in between).
fn two_snapshots(
    ctx: &Context,
    first: &Snapshot,
    second: &Snapshot,
    facts: &mut Facts,
    notes: &mut Vec<String>,
) -> Window {
    let (warning_ms, critical_ms) = thresholds_ms(ctx);
    let reset = first.since_is_reset && second.since_is_reset && first.since != second.since;
    let list: Vec<Stat> = if reset {
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
    let (over_warning, over_critical) = (over(warning_ms), over(critical_ms));
    let text = format!("in the last {}", format_duration(interval(ctx).unwrap_or_default()));
    Window {
        list,
        over_warning,
        over_critical,
        text,
    }
}

/// One snapshot: the totals since the statistics were last reset.
fn one_snapshot(ctx: &Context, source: &Source, first: &Snapshot) -> Window {
    let (warning_ms, critical_ms) = thresholds_ms(ctx);
    let text = match (&first.since, first.since_is_reset) {
        (Some(at), true) => format!("since the statistics were reset at {at}"),
        (Some(at), false) => format!("since {at} (the oldest statement first seen)"),
        (None, _) => "since the statistics were last reset".to_string(),
    };
    let list: Vec<Stat> = first.stats.clone();
    let (over_warning, over_critical) = if *source == Source::SlowLog {
        let over = |limit: f64| list.iter().filter(|s| s.mean_ms() >= limit).count() as i64;
        (over(warning_ms), over(critical_ms))
    } else {
        (first.over_warning, first.over_critical)
    };
    Window {
        list,
        over_warning,
        over_critical,
        text,
    }
}

/// The window the costs are over, in seconds (the interval, else since the totals count), and
/// the tables' sequential scans over it.
fn costs_window(ctx: &Context, first: &Snapshot, second: Option<&Snapshot>) -> (Option<f64>, Vec<TableScans>) {
    match second {
        Some(second) => (
            interval(ctx).map(|d| d.as_secs_f64()),
            cost::scans_delta(&first.scans, &second.scans),
        ),
        None => (first.window_seconds, first.scans.clone()),
    }
}

/// The statement called more than once that took the largest share of one core over the
/// window, when that share reaches `core_warning`. A statement run once (a data load) is
/// judged by its mean alone: it is no load that goes on.
fn hottest<'a>(ctx: &Context, list: &'a [Stat], window_seconds: Option<f64>) -> Option<(&'a Stat, f64)> {
    let window = window_seconds.filter(|w| *w > 0.0)?;
    let core_warning = ctx.thresholds.percent(CORE_WARNING) / 100.0;
    list.iter()
        .filter(|s| s.calls > 1.0)
        .map(|s| (s, cost::share(s, window)))
        .filter(|(_, share)| *share >= core_warning)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// With no statement over the core threshold (a window since the statistics began is long and
/// dilutes a share), the statement called many times that still cost more in all than the one-off
/// over the mean threshold: the repeated load leads, not the data load or `CREATE DATABASE` run
/// once beside it. Its share is what it is; the one-off keeps the status it earned.
fn costlier_than_one_off<'a>(
    list: &'a [Stat],
    slowest: Option<&Stat>,
    window_seconds: Option<f64>,
) -> Option<(&'a Stat, f64)> {
    let window = window_seconds.filter(|w| *w > 0.0)?;
    let one_off = slowest.filter(|s| s.calls <= 1.0)?;
    list.iter()
        .filter(|s| s.calls > 1.0 && s.total_ms > one_off.total_ms)
        .max_by(|a, b| a.total_ms.total_cmp(&b.total_ms))
        .map(|s| (s, cost::share(s, window)))
}

fn percent_of_core(share: f64) -> String {
    format!("{}%", (share * 100.0).round())
}

/// The hot statement's cost, for the runbook.
fn hot_facts(facts: &mut Facts, s: &Stat, share: f64, window_seconds: f64) {
    facts.flag("hot_statement");
    facts.set("share", percent_of_core(share));
    facts.set(
        "calls_per_second",
        format!("{:.1}", cost::calls_per_second(s, window_seconds)),
    );
}

/// The index the lead statement lacks, when its text and the server's counters show one.
fn index_facts(facts: &mut Facts, s: &Stat, scans: &[TableScans]) {
    let Some(c) = cost::index_candidate(s, scans) else {
        return;
    };
    facts.flag("index_candidate");
    facts.set("index_schema", &c.schema);
    facts.set("index_table", &c.table);
    facts.set("index_column", &c.column);
    facts.set("index_name", c.name());
    facts.set("scan_evidence", &c.evidence);
}

/// The summary when a statement's cost is the incident.
fn hot_summary(s: &Stat, share: f64, window_seconds: f64, window: &str, (over_warning, _): (i64, i64)) -> String {
    let also = match over_warning {
        0 => String::new(),
        n => format!("; {n} statement(s) also average over the mean threshold"),
    };
    format!(
        "one statement took {} of one core's time {window}: {} call(s), {:.1} a second, {} mean, {} in all: {}{also}",
        percent_of_core(share),
        s.calls.round(),
        cost::calls_per_second(s, window_seconds),
        fmt_ms(s.mean_ms()),
        fmt_ms(s.total_ms),
        crate::text::shorten(&s.query, 80)
    )
}

/// One listed statement, with the columns its engine and source have, and its cost over the
/// window when the window is known.
fn statement_finding(engine: Engine, source: &Source, s: &Stat, window_seconds: Option<f64>) -> Finding {
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
    if let Some(w) = window_seconds.filter(|w| *w > 0.0) {
        f = f
            .with("share_of_core_pct", (cost::share(s, w) * 1000.0).round() / 10.0)
            .with("calls_per_second", (cost::calls_per_second(s, w) * 10.0).round() / 10.0);
    }
    if engine == Engine::Mysql {
        f = f
            .with("rows_examined", s.rows_examined.map(|r| r.round() as i64))
            .with("examined_per_row", cost::examined_per_row(s).map(|r| r.round() as i64));
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
    f.with("query", s.query.as_str()).with("query_truncated", s.truncated())
}

/// The runbook's statement: its text (when whole), ids, who ran it and its figures.
fn lead_facts(facts: &mut Facts, s: &Stat) {
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

/// The summary: the worst statement over the thresholds, else the top one by `--by`.
fn summary(
    ctx: &Context,
    status: Status,
    over: Option<&Stat>,
    top: Option<&Stat>,
    window: &str,
    (over_warning, over_critical): (i64, i64),
) -> String {
    let shown_text = crate::text::shorten;
    let t = ctx.thresholds;
    match (status, over) {
        (Status::Ok, _) => format!(
            "no statement averages {} or more {window}; top by {}: {}",
            t.shown(WARNING),
            by(ctx).name(),
            top.map(|s| format!(
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
            t.shown(WARNING),
            t.shown(CRITICAL),
            fmt_ms(s.mean_ms()),
            s.calls.round(),
            shown_text(&s.query, 80)
        ),
        (_, None) => format!(
            "{over_warning} statement(s) average {} or more {window}; list them with --by mean",
            t.shown(WARNING)
        ),
    }
}

/// Statements of other users whose text is hidden count in the verdict, but cannot be named:
/// no OK on them.
fn not_vouched(outcome: &mut Outcome, last: &Snapshot, grant: &str) {
    if last.hidden <= 0 {
        return;
    }
    outcome.facts.flag("insufficient_privilege");
    let blind = format!(
        "{} statement(s) of other users hide their text from this user ({grant})",
        last.hidden
    );
    outcome.notes.push(blind.clone());
    if outcome.status == Status::Ok {
        outcome.status = Status::Unknown;
        outcome.summary = format!("cannot vouch for {blind}; of the rest: {}", outcome.summary);
    } else {
        outcome.summary = format!("{}; {blind}", outcome.summary);
    }
}

#[cfg(test)]
mod tests {
    use super::super::SPEC;
    use super::*;
    use crate::checks::Fixture;

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
            window_seconds: None,
            scans: Vec::new(),
        }
    }

    fn judged(first: &Snapshot, options: &[(&str, &str)]) -> Outcome {
        let fixture = Fixture::postgres(&SPEC, 160004, options);
        let ctx = fixture.context();
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
        assert_eq!(o.facts.values["mean"], "1s");
    }

    #[test]
    fn a_hot_statement_leads_over_a_one_off_slow_insert() {
        // The N+1 loop: 744 calls of 42ms, 31.6s of database time in 30s; and one 3s data load.
        let mut snap = snapshot(
            vec![
                stat(
                    "INSERT INTO orders SELECT g FROM generate_series($1, $2) g",
                    1.0,
                    3000.0,
                ),
                stat("SELECT * FROM orders WHERE customer_id = $1", 744.0, 31_600.0),
            ],
            1,
            0,
        );
        snap.window_seconds = Some(30.0);
        let o = judged(&snap, &[]);
        assert_eq!(o.status, Status::Critical, "{}", o.summary);
        assert_eq!(o.facts.values["query"], "SELECT * FROM orders WHERE customer_id = $1");
        assert_eq!(o.facts.values["share"], "105%");
        assert!(o.facts.conditions.contains("hot_statement"));
        assert!(
            o.summary.starts_with("one statement took 105% of one core's time"),
            "{}",
            o.summary
        );
        // Over a long window (since the statistics began) the loop's share is diluted under the
        // core threshold; it has still cost more than the one-off, so it leads, and the one-off's
        // mean keeps the status at WARNING.
        snap.window_seconds = Some(3600.0);
        let o = judged(&snap, &[]);
        assert_eq!(o.status, Status::Warning, "{}", o.summary);
        assert_eq!(o.facts.values["query"], "SELECT * FROM orders WHERE customer_id = $1");
        assert!(
            o.summary.starts_with("one statement took 1% of one core's time"),
            "{}",
            o.summary
        );
        assert!(o.summary.contains("1 statement(s) also average over"), "{}", o.summary);
        // The same INSERT alone is judged by its mean, as before, and is no hot statement.
        let mut alone = snapshot(vec![stat("INSERT INTO t VALUES ($1)", 1.0, 25_000.0)], 1, 0);
        alone.window_seconds = Some(30.0);
        let o = judged(&alone, &[]);
        assert!(
            !o.facts.conditions.contains("hot_statement"),
            "{:?}",
            o.facts.conditions
        );
    }
}
