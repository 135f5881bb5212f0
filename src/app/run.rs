//! Running checks against one target within one deadline: load runbooks, resolve the target,
//! connect once, run each check, attach runbooks, build the report. Whatever fails becomes an
//! UNKNOWN result with its reason; nothing here may hang past `--timeout`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget};
use tokio::time::timeout_at;

use super::print_report;
use crate::checks::{Outcome, locks, pool, queries};
use crate::cli::{CheckArgs, GlobalArgs, LocksArgs, PoolArgs, QueriesArgs};
use crate::engine::{ConnectErrorKind, Limits, Session};
use crate::report::{CheckResult, Report, Status, TargetInfo};
use crate::runbook::{self, Catalog};
use crate::target::{Engine, Target};
use crate::text::redact;
use crate::units::format_duration;

/// Longest one diagnostic statement may run on the target.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The tool never queues behind other sessions' locks for longer than this.
const LOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// Every check, with the runbooks' thresholds, over one connection.
pub fn all(global: &GlobalArgs, args: &CheckArgs) -> u8 {
    let checks = [
        Check::Pool(pool::ThresholdFlags::default()),
        Check::Queries(queries::ThresholdFlags::default()),
        Check::Locks(locks::ThresholdFlags::default()),
    ];
    let report = run_checks(global, args.limit, &checks);
    print_report(global, &report)
}

pub fn pool(global: &GlobalArgs, args: &PoolArgs) -> u8 {
    let flags = pool::ThresholdFlags {
        warning: args.warning,
        critical: args.critical,
        wait_warning: args.wait_warning,
        wait_critical: args.wait_critical,
    };
    let report = run_checks(global, args.limit, &[Check::Pool(flags)]);
    print_report(global, &report)
}

pub fn queries(global: &GlobalArgs, args: &QueriesArgs) -> u8 {
    let flags = queries::ThresholdFlags {
        warning: args.warning,
        critical: args.critical,
        idle_warning: args.idle_warning,
        idle_critical: args.idle_critical,
    };
    let report = run_checks(global, args.limit, &[Check::Queries(flags)]);
    print_report(global, &report)
}

pub fn locks(global: &GlobalArgs, args: &LocksArgs) -> u8 {
    let flags = locks::ThresholdFlags {
        warning: args.warning,
        critical: args.critical,
        blocked_critical: args.blocked_critical,
    };
    let report = run_checks(global, args.limit, &[Check::Locks(flags)]);
    print_report(global, &report)
}

/// A check the user asked for, with its flags.
enum Check {
    Pool(pool::ThresholdFlags),
    Queries(queries::ThresholdFlags),
    Locks(locks::ThresholdFlags),
}

impl Check {
    fn name(&self) -> &'static str {
        match self {
            Check::Pool(_) => pool::SPEC.name,
            Check::Queries(_) => queries::SPEC.name,
            Check::Locks(_) => locks::SPEC.name,
        }
    }
}

fn run_checks(global: &GlobalArgs, row_limit: usize, checks: &[Check]) -> Report {
    let started = Instant::now();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            return failed(checks, &format!("cannot start the async runtime: {e}"), started);
        }
    };
    runtime.block_on(run_async(global, row_limit, checks, started))
}

async fn run_async(global: &GlobalArgs, row_limit: usize, checks: &[Check], started: Instant) -> Report {
    let deadline = tokio::time::Instant::from_std(started + global.timeout);
    let catalog = match Catalog::load(&global.runbook_dirs) {
        Ok(c) => c,
        Err(problems) => {
            for p in &problems {
                eprintln!("dbrunbook: {p}");
            }
            let msg = format!(
                "{} problem(s) in the runbooks (listed on stderr); fix them, or check with: dbrunbook runbooks validate DIR",
                problems.len()
            );
            return failed(checks, &msg, started);
        }
    };
    let target = match Target::resolve(global.url.as_deref(), &|k| std::env::var(k).ok()) {
        Ok(t) => t,
        Err(e) => return failed(checks, &format!("{e:#}"), started),
    };
    let secrets = target.secrets();
    let limits = Limits {
        connect_timeout: global.connect_timeout.min(global.timeout),
        statement_timeout: STATEMENT_TIMEOUT.min(global.timeout),
        lock_timeout: LOCK_TIMEOUT,
        row_limit,
    };
    let progress = Progress::start();
    progress.say(&format!("connecting to {}", target.redacted_url()));
    crate::log::info(&format!(
        "connecting to {} (connect timeout {})",
        target.redacted_url(),
        format_duration(limits.connect_timeout)
    ));
    let connected = match timeout_at(deadline, Session::connect(&target, &limits)).await {
        Ok(result) => result,
        Err(_) => Err(crate::engine::ConnectError::new(
            ConnectErrorKind::Timeout,
            format!(
                "the --timeout of {} ran out while connecting",
                format_duration(global.timeout)
            ),
        )),
    };
    let mut results = Vec::new();
    let mut version = None;
    match connected {
        Ok(mut session) => {
            version = Some(session.server_version().to_string());
            crate::log::info(&format!("connected: {} {}", session.engine(), session.server_version()));
            for check in checks {
                progress.say(&format!("running the {} check", check.name()));
                let outcome = match timeout_at(deadline, run_one(&mut session, check, &catalog, &limits)).await {
                    Ok(Ok(o)) => o,
                    Ok(Err(e)) => Outcome::unknown(format!(
                        "the {} check failed: {}",
                        check.name(),
                        redact(&format!("{e:#}"), &secrets)
                    )),
                    Err(_) => Outcome::unknown(format!(
                        "the {} check did not finish within --timeout {}",
                        check.name(),
                        format_duration(global.timeout)
                    )),
                };
                results.push(finish(check.name(), outcome, &catalog, target.engine));
            }
            // Closing politely must not outlive the deadline either.
            let _ = timeout_at(deadline, session.close()).await;
        }
        Err(err) => {
            crate::log::info(&format!("connection failed: {err}"));
            for check in checks {
                let outcome = match (check, err.kind) {
                    (Check::Pool(_), ConnectErrorKind::ServerFull) => pool::refused(&err, target.engine),
                    _ => Outcome::unknown(format!(
                        "cannot connect to {}: {err}",
                        crate::engine::describe_hosts(&target)
                    )),
                };
                results.push(finish(check.name(), outcome, &catalog, target.engine));
            }
        }
    }
    progress.done();
    let info = TargetInfo {
        engine: target.engine.to_string(),
        url: target.redacted_url(),
        server_version: version,
    };
    let report = Report::new(info, results, started.elapsed().as_millis() as u64);
    crate::log::info(&format!("done in {} ms: {}", report.elapsed_ms, report.status.label()));
    report
}

async fn run_one(session: &mut Session, check: &Check, catalog: &Catalog, limits: &Limits) -> anyhow::Result<Outcome> {
    match check {
        Check::Pool(flags) => {
            let defaults = catalog.thresholds(pool::SPEC.name, session.engine());
            let thresholds = pool::Thresholds::resolve(flags, &defaults)?;
            let snapshot = session.pool_snapshot(limits).await?;
            Ok(pool::evaluate(&snapshot, &thresholds, session.engine()))
        }
        Check::Queries(flags) => {
            let defaults = catalog.thresholds(queries::SPEC.name, session.engine());
            let t = queries::Thresholds::resolve(flags, &defaults)?;
            let snapshot = session
                .activity(t.warning.as_secs_f64(), t.idle_warning.as_secs_f64())
                .await?;
            Ok(queries::evaluate(&snapshot, &t, session.engine(), limits.row_limit))
        }
        Check::Locks(flags) => {
            let defaults = catalog.thresholds(locks::SPEC.name, session.engine());
            let t = locks::Thresholds::resolve(flags, &defaults)?;
            let snapshot = session.locks().await?;
            Ok(locks::evaluate(&snapshot, &t, session.engine(), limits.row_limit))
        }
    }
}

/// Attaches the runbook that fits the outcome.
fn finish(name: &str, outcome: Outcome, catalog: &Catalog, engine: Engine) -> CheckResult {
    let runbook = catalog
        .select(name, engine, outcome.status, &outcome.facts)
        .map(|rb| runbook::apply(rb, engine, &outcome.facts));
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
fn failed(checks: &[Check], message: &str, started: Instant) -> Report {
    let results = checks
        .iter()
        .map(|c| CheckResult {
            check: c.name().to_string(),
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
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    fn say(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_string());
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
