//! Running checks against one target within one deadline: load runbooks, resolve the target and
//! the thresholds, connect once, send every check's queries as one batch, let each check judge
//! its rows, attach runbooks, build the report. Whatever fails becomes an UNKNOWN result with its
//! reason; nothing here may hang past `--timeout`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget};
use tokio::time::timeout_at;

use std::collections::BTreeMap;

use super::local;
use crate::checks::{CHECKS, Check, Context, Outcome, Results, ThresholdValue, Thresholds};
use crate::cli::{CheckArgs, CheckCommand, GlobalArgs};
use crate::engine::{ConnectError, ConnectErrorKind, Limits, Query, QueryResult, Session};
use crate::redact::driver_message;
use crate::report::{CheckResult, Report, Status, TargetInfo};
use crate::runbook::{self, Catalog, Dialect};
use crate::target::{Engine, Target};
use crate::units::format_duration;

/// Longest one diagnostic statement may run on the target.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The tool never queues behind other sessions' locks for longer than this.
const LOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// A check to run, with the threshold flags the user gave and the rows of detail to show.
pub(crate) struct Selected {
    pub check: &'static dyn Check,
    pub flags: BTreeMap<String, ThresholdValue>,
    pub limit: usize,
    pub options: BTreeMap<String, Vec<String>>,
    /// Asked for by name: see `Context::named`.
    pub named: bool,
}

/// Every check, with the runbooks' thresholds, over one connection.
pub fn all(global: &GlobalArgs, args: &CheckArgs) -> u8 {
    if args.fleet.wanted() {
        return crate::fleet::run::diagnose(global, args);
    }
    let selected: Vec<Selected> = CHECKS
        .iter()
        .filter(|c| args.only.is_empty() || args.only.iter().any(|o| o == c.spec().name))
        .map(|&check| Selected {
            check,
            flags: BTreeMap::new(),
            limit: args.limit as usize,
            options: BTreeMap::new(),
            named: !args.only.is_empty(),
        })
        .collect();
    match args.watch {
        Some(every) => super::watch::run(global, every, "diagnose", || run_checks(global, &selected)),
        None => global.output().print(&run_checks(global, &selected)),
    }
}

/// One check, as its subcommand asked.
pub fn one(global: &GlobalArgs, cmd: &CheckCommand) -> u8 {
    let selected = [Selected {
        check: cmd.check,
        flags: cmd.flags.clone(),
        limit: cmd.limit,
        options: cmd.options.clone(),
        named: true,
    }];
    match cmd.watch {
        Some(every) => super::watch::run(global, every, cmd.check.spec().name, || run_checks(global, &selected)),
        None => global.output().print(&run_checks(global, &selected)),
    }
}

fn run_checks(global: &GlobalArgs, checks: &[Selected]) -> Report {
    let started = Instant::now();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            return failed(checks, &format!("cannot start the async runtime: {e}"), started);
        }
    };
    runtime.block_on(run_async(global, checks, started))
}

async fn run_async(global: &GlobalArgs, checks: &[Selected], started: Instant) -> Report {
    let (catalog, runbook_problem) = match load_catalog(global) {
        Ok(loaded) => loaded,
        Err(message) => return failed(checks, &message, started),
    };
    let env = |k: &str| std::env::var(k).ok();
    let mut target = match Target::resolve(global.url.as_deref(), &env) {
        Ok(t) => t,
        Err(e) => {
            let mut r = failed(checks, &format!("{e:#}"), started);
            r.checks.extend(runbook_problem.clone());
            return Report::new(r.target, r.checks, r.elapsed_ms);
        }
    };
    crate::passfile::fill(&mut target, &env);
    diagnose(global, checks, &target, &catalog, runbook_problem, started, true).await
}

/// The runbooks in effect, and a result saying what was wrong with the `--runbooks` files when
/// the built-in ones had to stand in; `Err` only when even those fail.
pub(crate) fn load_catalog(global: &GlobalArgs) -> Result<(Catalog, Option<CheckResult>), String> {
    // A broken --runbooks directory must not hide a live CRITICAL: the checks run with the
    // built-in runbooks and the problem is a result of its own.
    let (catalog, runbook_problem) = match Catalog::load(&global.runbook_dirs()) {
        Ok(c) => (c, None),
        Err(problems) => {
            for p in &problems {
                eprintln!("dbrunbook: {p}");
            }
            let problem = CheckResult {
                check: "runbooks".into(),
                status: Status::Unknown,
                summary: format!(
                    "{} problem(s) in the --runbooks files, so the built-in runbooks were used; fix them, or check \
                     with: dbrunbook runbooks validate DIR",
                    problems.len()
                ),
                metrics: vec![],
                findings: vec![],
                notes: problems.iter().map(|p| p.to_string()).collect(),
                runbook: None,
            };
            match Catalog::embedded() {
                Ok(c) => (c, Some(problem)),
                Err(_) => return Err(problem.summary),
            }
        }
    };
    Ok((catalog, runbook_problem))
}

/// One resolved target, every selected check, within `--timeout` from `started`: the whole
/// diagnosis of `dbrunbook diagnose`, and of each target of a fleet (without the spinner).
pub(crate) async fn diagnose(
    global: &GlobalArgs,
    checks: &[Selected],
    target: &Target,
    catalog: &Catalog,
    runbook_problem: Option<CheckResult>,
    started: Instant,
    spinner: bool,
) -> Report {
    let deadline = tokio::time::Instant::from_std(started + global.timeout);
    let done = |target: &Target, version: Option<String>, mut results: Vec<CheckResult>| {
        results.extend(runbook_problem.clone());
        report(target, version, results, started)
    };
    let password = target.password.as_deref();
    // Thresholds before connecting: a typo costs no connection, and they shape the queries.
    // So is a second snapshot's interval, which must leave room within the deadline.
    let thresholds: Vec<anyhow::Result<(Thresholds, Option<Duration>)>> = checks
        .iter()
        .map(|c| {
            let spec = c.check.spec();
            let t = Thresholds::resolve(spec, &c.flags, &catalog.thresholds(spec.name, target.engine))?;
            let interval = c.check.interval(&c.options)?;
            if let Some(wait) = interval
                && wait >= global.timeout
            {
                anyhow::bail!(
                    "--interval {} does not fit in --timeout {}: raise --timeout above the interval plus a few seconds",
                    format_duration(wait),
                    format_duration(global.timeout)
                );
            }
            Ok((t, interval))
        })
        .collect();
    if thresholds.iter().any(|t| t.is_err()) {
        // Bad thresholds are bad input, like a bad URL: said before any connection is made.
        let results = checks
            .iter()
            .zip(&thresholds)
            .map(|(c, t)| {
                let summary = match t {
                    Err(e) => format!("{e:#}"),
                    Ok(_) => "not run: another check's settings are wrong".to_string(),
                };
                finish(c.check.spec().name, None, Outcome::unknown(summary), catalog, &[])
            })
            .collect();
        return done(target, None, results);
    }
    let limits = Limits {
        // Under the run's deadline, so that a server that never answers is told by the
        // connection's own timeout, with the phase it hung in, rather than by the deadline.
        connect_timeout: connect_timeout(global, target),
        statement_timeout: STATEMENT_TIMEOUT.min(global.timeout),
        lock_timeout: LOCK_TIMEOUT,
    };
    let resolved: Vec<Thresholds> = thresholds.iter().flatten().map(|(t, _)| t.clone()).collect();
    let local_work = local::start(
        &checks.iter().map(|c| (c.check, &c.options)).collect::<Vec<_>>(),
        &resolved,
        target.engine,
        started + global.timeout,
    );
    let progress = if spinner { Progress::start() } else { Progress(None) };
    progress.say(&format!("connecting to {}", target.redacted_url()));
    crate::log::info(&format!(
        "connecting to {} (connect timeout {})",
        target.redacted_url(),
        format_duration(limits.connect_timeout)
    ));
    let connected = match timeout_at(deadline, Session::connect(target, &limits)).await {
        Ok(result) => result,
        Err(_) => Err(crate::engine::ConnectError::new(
            ConnectErrorKind::Timeout,
            format!(
                "the --timeout of {} ran out while connecting",
                format_duration(global.timeout)
            ),
        )),
    };
    let mut session = match connected {
        Ok(s) => s,
        Err(err) => {
            crate::log::info(&format!("connection failed: {err}"));
            let mut results = refused(checks, &err, target, catalog);
            let why = format!("cannot connect to {}: {err}", crate::engine::describe_hosts(target));
            let offline = local::offline(local_work, started + global.timeout, global.timeout, &why).await;
            for (i, outcome) in offline.into_iter().enumerate() {
                let name = checks[i].check.spec().name;
                if let Some(outcome) = outcome {
                    let dialects = Dialect::spoken(target.engine, false, 0);
                    results[i] = finish(name, Some(name), outcome, catalog, &dialects);
                }
            }
            progress.done();
            let mut report = done(target, None, results);
            report.unanswered = err.kind == ConnectErrorKind::Timeout;
            return report;
        }
    };
    let server = session.server().clone();
    crate::log::info(&format!("connected: {} {}", server.engine, server.version));

    // Thresholds are all good here (bad ones returned above).
    let (thresholds, intervals): (Vec<Thresholds>, Vec<Option<Duration>>) = thresholds.into_iter().flatten().unzip();
    let applies: Vec<bool> = checks
        .iter()
        .map(|c| c.check.spec().engines.contains(&server.engine))
        .collect();
    let names: Vec<&str> = checks.iter().map(|c| c.check.spec().name).collect();
    progress.say(&format!("running {}", names.join(", ")));

    // Every applicable check's queries in one batch, then the follow-ups of those that have
    // any in a second one, then for checks with an interval the same again once it has passed;
    // each check keeps its queries and results in order.
    let mut phases = vec![Phase::Queries, Phase::FollowUp];
    let mut waits: Vec<Duration> = intervals
        .iter()
        .zip(&applies)
        .filter_map(|(wait, applies)| wait.filter(|_| *applies))
        .collect();
    waits.sort();
    waits.dedup();
    phases.extend(waits.into_iter().map(Phase::Again));
    let first_sent = tokio::time::Instant::now();
    let mut done_queries: Vec<Vec<Query>> = vec![Vec::new(); checks.len()];
    let mut done_results: Vec<Vec<QueryResult>> = vec![Vec::new(); checks.len()];
    let mut second_at: Vec<Option<usize>> = vec![None; checks.len()];
    let mut failures: Vec<Option<String>> = vec![None; checks.len()];
    for phase in phases {
        if let Phase::Again(wait) = phase {
            progress.say(&format!("waiting {} for the second snapshot", format_duration(wait)));
            crate::log::info(&format!("waiting {} for the second snapshot", format_duration(wait)));
            if timeout_at(deadline, tokio::time::sleep_until(first_sent + wait))
                .await
                .is_err()
            {
                break;
            }
        }
        let mut batch: Vec<Query> = Vec::new();
        let mut spans = Vec::new();
        for (i, (c, t)) in checks.iter().zip(&thresholds).enumerate() {
            let wanted = match phase {
                Phase::Again(wait) => intervals[i] == Some(wait),
                _ => true,
            };
            if !applies[i] || !wanted {
                spans.push(0..0);
                continue;
            }
            let ctx = Context {
                server: &server,
                thresholds: t,
                limit: c.limit,
                options: &c.options,
                named: c.named,
            };
            let start = batch.len();
            let first = Results {
                queries: &done_queries[i],
                results: &done_results[i],
                second_at: None,
                local: None,
            };
            match phase {
                Phase::Queries => batch.extend(c.check.queries(&ctx)),
                Phase::FollowUp => batch.extend(c.check.follow_up(&ctx, &first)),
                Phase::Again(_) => {
                    second_at[i] = Some(done_results[i].len());
                    batch.extend(c.check.queries(&ctx));
                    batch.extend(c.check.follow_up(&ctx, &first));
                }
            }
            spans.push(start..batch.len());
        }
        if phase != Phase::Queries && batch.is_empty() {
            continue;
        }
        let outcome = match timeout_at(deadline, session.run(&batch)).await {
            Ok(Ok(results)) => Ok(results),
            Ok(Err(e)) => Err(format!(
                "the queries failed: {}",
                driver_message(&format!("{e:#}"), password)
            )),
            Err(_) => Err(format!(
                "the checks did not finish within --timeout {}",
                format_duration(global.timeout)
            )),
        };
        match outcome {
            Ok(results) => {
                let mut results = results.into_iter();
                for (i, span) in spans.into_iter().enumerate() {
                    done_results[i].extend(results.by_ref().take(span.len()));
                    done_queries[i].extend(batch[span].iter().cloned());
                }
            }
            Err(e) => {
                // Only the checks with queries in the failed batch lose their verdict: a
                // follow-up that runs out of time must not hide the first batch's CRITICAL.
                for (i, span) in spans.iter().enumerate() {
                    if !span.is_empty() {
                        failures[i] = Some(e.clone());
                    }
                }
                break;
            }
        }
    }
    // A check whose second snapshot the deadline cut off cannot judge the change.
    for (i, interval) in intervals.iter().enumerate() {
        if let Some(wait) = interval
            && applies[i]
            && failures[i].is_none()
            && second_at[i].is_none()
        {
            failures[i] = Some(format!(
                "the --timeout of {} ran out before the second snapshot, {} after the first",
                format_duration(global.timeout),
                format_duration(*wait)
            ));
        }
    }
    // Closing politely must not outlive the deadline either.
    let _ = timeout_at(deadline, session.close()).await;
    let local = local::collect(local_work, started + global.timeout, global.timeout).await;

    let dialects = Dialect::spoken(server.engine, server.mariadb, server.version_num);
    let mut results = Vec::new();
    for (i, (c, t)) in checks.iter().zip(&thresholds).enumerate() {
        let spec = c.check.spec();
        let outcome = match (applies[i], &failures[i]) {
            (false, _) => Outcome::unknown(not_here(spec.name, server.engine)),
            (true, Some(e)) => Outcome::unknown(format!("the {} check: {e}", spec.name)),
            (true, None) => {
                let ctx = Context {
                    server: &server,
                    thresholds: t,
                    limit: c.limit,
                    options: &c.options,
                    named: c.named,
                };
                let rows = Results {
                    queries: &done_queries[i],
                    results: &done_results[i],
                    second_at: second_at[i],
                    local: local[i].1.as_ref(),
                };
                c.check.evaluate(&ctx, &rows).unwrap_or_else(|e| {
                    Outcome::unknown(format!(
                        "the {} check failed: {}",
                        spec.name,
                        driver_message(&format!("{e:#}"), password)
                    ))
                })
            }
        };
        results.push(finish(spec.name, Some(spec.name), outcome, catalog, &dialects));
    }
    progress.done();
    done(target, Some(server.version), results)
}

/// One round of a run: the checks' queries, their follow-ups, or both again after a check's
/// interval for its second snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Queries,
    FollowUp,
    Again(Duration),
}

/// The tool's own connection failed. When the `connect` check (the one that probes the
/// connection) is selected, it tells the failure once, with the runbook of the check that owns
/// this kind of refusal (a full server: the pool's) or its own; a check with a verdict of its own
/// on the refusal keeps it (a full server is the pool's CRITICAL); every other check is one line,
/// "not run". Without it, a check with a verdict gives it, the others share that verdict with the
/// runbook shown once, and any other failure leaves every check UNKNOWN, naming the failed phase.
/// `--connect-timeout`, else the URL's `connect_timeout`, held under the run's deadline.
fn connect_timeout(global: &GlobalArgs, target: &Target) -> Duration {
    global.connect_timeout(target).min(global.timeout.mul_f64(0.9))
}

fn refused(checks: &[Selected], err: &ConnectError, target: &Target, catalog: &Catalog) -> Vec<CheckResult> {
    let dialects = Dialect::spoken(target.engine, false, 0);
    let owner = CHECKS
        .iter()
        .filter(|c| !c.probes_connection())
        .find_map(|c| c.refused(err, target.engine).map(|o| (c.spec().name, o)));
    if checks.iter().any(|c| c.check.probes_connection()) {
        return checks
            .iter()
            .map(|c| {
                let name = c.check.spec().name;
                match (c.check.probes_connection(), c.check.refused(err, target.engine)) {
                    (true, Some(mut own)) => {
                        let runbook = match &owner {
                            Some((owner_name, verdict)) => {
                                own.facts.conditions.extend(verdict.facts.conditions.iter().cloned());
                                own.facts.lead = verdict.facts.lead.clone().or(own.facts.lead);
                                *owner_name
                            }
                            None => name,
                        };
                        finish(name, Some(runbook), own, catalog, &dialects)
                    }
                    (false, Some(own)) => finish(name, None, own, catalog, &dialects),
                    _ => finish(
                        name,
                        None,
                        Outcome::unknown("not run: no connection"),
                        catalog,
                        &dialects,
                    ),
                }
            })
            .collect();
    }
    let owner_selected = owner
        .as_ref()
        .is_some_and(|(name, _)| checks.iter().any(|c| c.check.spec().name == *name));
    checks
        .iter()
        .map(|c| {
            let name = c.check.spec().name;
            match (c.check.refused(err, target.engine), &owner) {
                (Some(own), _) => finish(name, Some(name), own, catalog, &dialects),
                (None, Some((owner_name, verdict))) => {
                    let outcome = Outcome {
                        summary: format!("not run: {}", verdict.summary),
                        notes: vec![format!(
                            "the {owner_name} check's finding, which decides this check's status too"
                        )],
                        ..verdict.clone()
                    };
                    let runbook = (!owner_selected).then_some(*owner_name);
                    finish(name, runbook, outcome, catalog, &dialects)
                }
                (None, None) => {
                    // The failed phase in its own words, else the driver's message.
                    let what = match err.failed_phase() {
                        Some(p) if !p.detail.is_empty() => format!(
                            "{} {}: {} ({})",
                            p.step.label(),
                            p.failure.map_or("failed", |f| f.words()),
                            p.detail,
                            err.hint()
                        ),
                        _ => err.to_string(),
                    };
                    let outcome = Outcome::unknown(format!(
                        "cannot connect to {}: {what}",
                        crate::engine::describe_hosts(target)
                    ));
                    finish(name, Some(name), outcome, catalog, &dialects)
                }
            }
        })
        .collect()
}

/// Why a check does not run on this engine, and where to point it instead.
fn not_here(check: &str, engine: Engine) -> String {
    match engine {
        Engine::Pgbouncer => format!(
            "PgBouncer's admin console has no data for the {check} check: point --url at the PostgreSQL server behind it"
        ),
        other => format!("the {check} check does not run on {other}"),
    }
}

fn report(target: &Target, version: Option<String>, results: Vec<CheckResult>, started: Instant) -> Report {
    let info = TargetInfo {
        engine: target.engine.to_string(),
        url: target.redacted_url(),
        server_version: version,
    };
    let report = Report::new(info, results, started.elapsed().as_millis() as u64);
    crate::log::info(&format!("done in {} ms: {}", report.elapsed_ms, report.status.label()));
    report
}

/// Attaches the runbook that fits the outcome, chosen among those of `runbook_check`, for a
/// server speaking `dialects`.
fn finish(
    name: &str,
    runbook_check: Option<&str>,
    outcome: Outcome,
    catalog: &Catalog,
    dialects: &[Dialect],
) -> CheckResult {
    let engine = dialects.first().map(|d| d.engine()).unwrap_or(Engine::Postgres);
    let runbook = runbook_check
        .and_then(|check| catalog.select(check, engine, outcome.status, &outcome.facts))
        .map(|rb| runbook::apply(rb, dialects, &outcome.facts));
    CheckResult {
        check: name.to_string(),
        status: outcome.status,
        summary: outcome.summary,
        metrics: outcome.metrics,
        findings: outcome.findings,
        notes: outcome.notes,
        runbook,
    }
}

/// Every requested check UNKNOWN with the same reason (bad input, before any connection).
pub(crate) fn failed(checks: &[Selected], message: &str, started: Instant) -> Report {
    let results = checks
        .iter()
        .map(|c| CheckResult {
            check: c.check.spec().name.to_string(),
            status: Status::Unknown,
            summary: message.to_string(),
            metrics: vec![],
            findings: vec![],
            notes: vec![],
            runbook: None,
        })
        .collect();
    let target = TargetInfo {
        engine: "unknown".into(),
        url: String::new(),
        server_version: None,
    };
    Report::new(target, results, started.elapsed().as_millis() as u64)
}

/// A spinner on stderr, only when stderr is a terminal: never in pipes, cron or CI logs.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn start() -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        // A spinner: a run has no length to show a bar against.
        let bar = ProgressBar::new_spinner();
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    fn say(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(crate::text::sanitize(message, true));
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
