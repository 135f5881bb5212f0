//! The diagnosis of one target, as plain steps over one [`Plan`] made once from the command
//! line: prepare (thresholds and intervals, before any connection) → connect → batches →
//! evaluate → attach runbooks → report. `diagnose`, each check's subcommand, `--watch`, every
//! target of a fleet and every probe of `serve` run exactly this; none of them calls another.
//! Whatever fails becomes an UNKNOWN result with its reason; nothing here may hang past
//! `--timeout`. No printing here beyond the spinner and the log.

mod attach;
mod batches;
mod local;
mod plan;
mod progress;
mod refused;
mod reuse;

use std::time::{Duration, Instant};

use tokio::time::timeout_at;

pub use attach::failed;
pub use plan::{Deadlines, Plan, Runbooks, Selected, every_check};
pub use reuse::Shared;

use crate::checks::{Check, Context, LocalFacts, Outcome, Thresholds};
use crate::engine::{ConnectError, ConnectErrorKind, Limits, ServerInfo, Session};
use crate::redact::driver_message;
use crate::report::{CheckResult, Report};
use crate::target::Target;
use crate::units::format_duration;
use attach::Attach;
use batches::{Batches, Collected};
use progress::Progress;
use reuse::{Measured, Reused, Sources};

/// Longest one diagnostic statement may run on the target.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The tool never queues behind other sessions' locks for longer than this.
const LOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// The one kind of async runtime every command runs on: one thread, since a diagnosis waits on
/// the network almost all of its time and one thread serves a whole fleet of them.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// The target of `--url` (else the environment's), diagnosed with the plan's checks.
pub fn run(plan: &Plan, url: Option<&str>) -> Report {
    let started = Instant::now();
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(message) => return failed(&plan.checks, &message, Some(&plan.runbooks), started),
    };
    let env = |k: &str| std::env::var(k).ok();
    let resolved = Target::resolve(url, &env).map_err(|e| format!("{e:#}"));
    runtime.block_on(resolved_target(plan, &plan.checks, resolved, started))
}

/// A target whose URL was resolved (or the reason it could not be), with `checks` (the plan's,
/// or a fleet target's own), within `--timeout` from `started`.
pub async fn resolved_target(
    plan: &Plan,
    checks: &[Selected],
    resolved: Result<Target, String>,
    started: Instant,
) -> Report {
    resolved_target_keeping(plan, checks, resolved, started, Keep::No)
        .await
        .0
}

/// [`resolved_target`] with a kept session, as [`diagnose_keeping`].
pub async fn resolved_target_keeping(
    plan: &Plan,
    checks: &[Selected],
    resolved: Result<Target, String>,
    started: Instant,
    keep: Keep,
) -> (Report, Option<Box<Kept>>) {
    resolved_run(plan, checks, resolved, started, keep, None).await
}

/// [`resolved_target`] as one target of a fleet run: its server-wide checks answered from
/// `shared` when another target on the same server and role read them already (`reuse`).
pub async fn fleet_target(
    plan: &Plan,
    checks: &[Selected],
    resolved: Result<Target, String>,
    started: Instant,
    shared: &Shared,
) -> Report {
    resolved_run(plan, checks, resolved, started, Keep::No, Some(shared))
        .await
        .0
}

async fn resolved_run(
    plan: &Plan,
    checks: &[Selected],
    resolved: Result<Target, String>,
    started: Instant,
    keep: Keep,
    shared: Option<&Shared>,
) -> (Report, Option<Box<Kept>>) {
    match resolved {
        Ok(mut target) => {
            let env = |k: &str| std::env::var(k).ok();
            crate::passfile::fill(&mut target, &env);
            let run = Run {
                plan,
                checks,
                target: &target,
                started,
                shared,
            };
            run.keeping(keep).await
        }
        Err(message) => (failed(checks, &message, Some(&plan.runbooks), started), None),
    }
}

/// A check ready to run: its thresholds resolved, its interval checked, whether it runs here.
pub struct Prepared {
    thresholds: Thresholds,
    interval: Option<Duration>,
    /// The check runs on the connected server's engine (set once connected).
    applies: bool,
    /// The check is answered from an earlier measurement (`reuse`): its queries are not sent.
    reused: Option<Reused>,
}

/// A session kept between runs of one target (`serve`'s), when it was opened, and the last
/// measurement of each steady check made on it.
pub struct Kept {
    pub session: Session,
    pub opened: Instant,
    measured: Vec<Measured>,
}

/// Whether the run connects for itself and closes after (every command), or may run on a
/// session kept from an earlier run of the same target and give it back (`serve`), answering
/// its steady checks from a measurement on that session younger than `steady_for`.
pub enum Keep {
    No,
    Yes {
        kept: Option<Box<Kept>>,
        steady_for: Duration,
    },
}

/// One resolved target, every selected check, within `--timeout` from `started`.
pub async fn diagnose(plan: &Plan, checks: &[Selected], target: &Target, started: Instant) -> Report {
    let run = Run {
        plan,
        checks,
        target,
        started,
        shared: None,
    };
    run.keeping(Keep::No).await.0
}

/// [`diagnose`], on the kept session when `keep` has one still open. The session comes back
/// when it may serve another run: every batch completed on it and it is still open. A kept
/// session that broke under the run (a restarted server) costs one retry on a new connection.
pub async fn diagnose_keeping(
    plan: &Plan,
    checks: &[Selected],
    target: &Target,
    started: Instant,
    keep: Keep,
) -> (Report, Option<Box<Kept>>) {
    let run = Run {
        plan,
        checks,
        target,
        started,
        shared: None,
    };
    run.keeping(keep).await
}

/// One run's inputs: the plan, its checks, the target, when it started.
struct Run<'a> {
    plan: &'a Plan,
    checks: &'a [Selected],
    target: &'a Target,
    started: Instant,
    /// A fleet run's server-wide rows, shared between its targets.
    shared: Option<&'a Shared>,
}

impl Run<'_> {
    async fn keeping(&self, keep: Keep) -> (Report, Option<Box<Kept>>) {
        let (kept, keeping) = match keep {
            Keep::Yes { kept, steady_for } => (kept.filter(|k| k.session.reusable()), Some(steady_for)),
            Keep::No => (None, None),
        };
        let (report, back, broke) = self.once(kept, keeping).await;
        if broke && !self.past_deadline() {
            crate::log::info("the kept session broke under the run: diagnosing again on a new connection");
            let (report, back, _) = self.once(None, keeping).await;
            return (report, back);
        }
        (report, back)
    }

    fn past_deadline(&self) -> bool {
        self.started.elapsed() >= self.plan.deadlines.timeout
    }

    /// One try: connect (or take the kept session), the batches, the verdicts; and whether a
    /// kept session broke under it (its connection closed). `keeping`: the session is to be
    /// kept after, with its steady checks' measurements reused while younger than this.
    async fn once(&self, kept: Option<Box<Kept>>, keeping: Option<Duration>) -> (Report, Option<Box<Kept>>, bool) {
        let Run {
            plan,
            checks,
            target,
            started,
            ..
        } = *self;
        let timeout = plan.deadlines.timeout;
        let mut prepared = match prepare(plan, checks, target) {
            Ok(prepared) => prepared,
            Err(results) => {
                return (
                    attach::report(target, None, results, &plan.runbooks, started),
                    None,
                    false,
                );
            }
        };
        let local_work = local::start(
            &checks.iter().map(|c| (c.check, &c.options)).collect::<Vec<_>>(),
            &prepared.iter().map(|p| p.thresholds.clone()).collect::<Vec<_>>(),
            target.engine,
            started + timeout,
        );
        let progress = Progress::start(plan.spinner);
        let deadline = tokio::time::Instant::from_std(started + timeout);
        let (mut session, opened, mut measured) = match kept {
            Some(kept) => (kept.session, Some(kept.opened), kept.measured),
            None => match connect(plan, target, deadline, &progress).await {
                Ok(session) => (session, None, Vec::new()),
                Err(err) => {
                    let report = unconnected(plan, checks, target, &err, local_work, started).await;
                    progress.done();
                    return (report, None, false);
                }
            },
        };
        let mut server = session.server().clone();
        crate::log::info(&format!("connected: {} {}", server.engine, server.version));
        for (c, p) in checks.iter().zip(prepared.iter_mut()) {
            p.applies = c.check.spec().engines.contains(&server.engine);
        }
        let shared = self.shared.map(|s| (s, target));
        let reused = reuse::reuse(
            checks,
            &mut prepared,
            &Sources {
                kept: &measured,
                steady_for: keeping,
                shared,
            },
        );
        let names: Vec<&str> = checks.iter().map(|c| c.check.spec().name).collect();
        progress.say(&format!("running {}", names.join(", ")));
        let batches = Batches {
            server: &server,
            deadline,
            timeout,
            password: target.password.as_deref(),
            progress: &progress,
        };
        // On a kept session the connect check still judges a real connection: one made
        // alongside the batches, timed phase by phase, and closed.
        let measuring = opened.is_some() && checks.iter().any(|c| c.check.probes_connection());
        let (mut collected, timed) = tokio::join!(
            batches.run(&mut session, checks, &prepared),
            measure(plan, target, deadline, measuring)
        );
        reuse::settle(checks, &prepared, &mut collected, reused, &mut measured, shared);
        let broke = opened.is_some() && !session.reusable();
        let back = if keeping.is_some() && collected.failures.iter().all(Option::is_none) && session.reusable() {
            Some(Box::new(Kept {
                opened: opened.unwrap_or_else(Instant::now),
                session,
                measured,
            }))
        } else {
            // Closing politely must not outlive the deadline either.
            let _ = timeout_at(deadline, session.close()).await;
            None
        };
        server.reused = opened.map(|o| o.elapsed());
        let refusal = match timed {
            Some(Ok(phases)) => {
                server.phases = phases;
                None
            }
            Some(Err(err)) => Some(err),
            None => None,
        };
        let report = self
            .verdicts(&server, &prepared, &collected, refusal.as_ref(), local_work)
            .await;
        progress.done();
        (report, back, broke)
    }

    /// Each check's verdict on what the run gathered, with its runbook; the counters kept for
    /// the next run. `refusal`: the measuring connection of a kept session's run failed, which
    /// is the connect check's verdict.
    async fn verdicts(
        &self,
        server: &ServerInfo,
        prepared: &[Prepared],
        collected: &Collected,
        refusal: Option<&ConnectError>,
        local_work: Vec<local::Pending>,
    ) -> Report {
        let Run {
            plan,
            checks,
            target,
            started,
            ..
        } = *self;
        let timeout = plan.deadlines.timeout;
        let local = local::collect(local_work, started + timeout, timeout).await;
        let attach = Attach::server(
            &plan.runbooks.catalog,
            server.engine,
            server.mariadb,
            server.version_num,
        );
        let memory_key = target.redacted_url();
        let memory = crate::memory::load(&memory_key);
        let mut counters = Vec::new();
        let results = checks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let spec = c.check.spec();
                let ran = Ran {
                    collected,
                    local: local[i].1.as_ref(),
                    memory: &memory,
                };
                let mut outcome = match refusal {
                    Some(err) if c.check.probes_connection() => c
                        .check
                        .refused(err, server.engine)
                        .unwrap_or_else(|| Outcome::unknown(format!("cannot connect: {err}"))),
                    _ => evaluate(c, &prepared[i], server, &ran, i, target),
                };
                if let Some(reused) = prepared[i].reused {
                    outcome.notes.push(reused.note(spec.name));
                }
                counters.extend(remembered(spec.name, &outcome));
                attach.result(spec.name, Some(spec.name), outcome)
            })
            .collect();
        crate::memory::store(&memory_key, counters);
        attach::report(target, Some(server.version.clone()), results, &plan.runbooks, started)
    }
}

/// The connection a kept session's run makes alongside, only to time it: its phases, or why
/// it failed. `None` when not measuring.
async fn measure(
    plan: &Plan,
    target: &Target,
    deadline: tokio::time::Instant,
    measuring: bool,
) -> Option<Result<Vec<crate::engine::Phase>, ConnectError>> {
    if !measuring {
        return None;
    }
    let limits = limits(plan, target);
    let connected = match timeout_at(deadline, Session::connect(target, &limits)).await {
        Ok(connected) => connected,
        Err(_) => Err(ConnectError::new(
            ConnectErrorKind::Timeout,
            format!(
                "the --timeout of {} ran out while connecting",
                format_duration(plan.deadlines.timeout)
            ),
        )),
    };
    Some(match connected {
        Ok(session) => {
            let phases = session.server().phases.clone();
            let _ = timeout_at(deadline, session.close()).await;
            Ok(phases)
        }
        Err(err) => Err(err),
    })
}

/// The report when the tool's own connection failed: each check's verdict on the refusal
/// (see `refused`), or from its local facts alone where it has some (backup files).
async fn unconnected(
    plan: &Plan,
    checks: &[Selected],
    target: &Target,
    err: &ConnectError,
    local_work: Vec<local::Pending>,
    started: Instant,
) -> Report {
    let timeout = plan.deadlines.timeout;
    let attach = Attach::unconnected(&plan.runbooks.catalog, target.engine);
    let mut results = refused::refused(checks, err, target, &attach);
    let why = format!("cannot connect to {}: {err}", crate::engine::describe_hosts(target));
    let offline = local::offline(local_work, started + timeout, timeout, &why).await;
    for (i, outcome) in offline.into_iter().enumerate() {
        if let Some(outcome) = outcome {
            let name = checks[i].check.spec().name;
            results[i] = attach.result(name, Some(name), outcome);
        }
    }
    let mut report = attach::report(target, None, results, &plan.runbooks, started);
    report.unanswered = err.kind == ConnectErrorKind::Timeout;
    report
}

/// Thresholds and intervals, before connecting: a typo costs no connection, and they shape the
/// queries; a second snapshot's interval must leave room within the deadline. Bad ones are bad
/// input, like a bad URL: every check's result then says so (or that it was not run).
fn prepare(plan: &Plan, checks: &[Selected], target: &Target) -> Result<Vec<Prepared>, Vec<CheckResult>> {
    let timeout = plan.deadlines.timeout;
    let catalog = &plan.runbooks.catalog;
    let prepared: Vec<anyhow::Result<Prepared>> = checks
        .iter()
        .map(|c| {
            let spec = c.check.spec();
            let thresholds = Thresholds::resolve(spec, &c.flags, &catalog.thresholds(spec.name, target.engine))?;
            let interval = c.check.interval(&c.options)?;
            if let Some(wait) = interval
                && wait >= timeout
            {
                anyhow::bail!(
                    "--interval {} does not fit in --timeout {}: raise --timeout above the interval plus a few seconds",
                    format_duration(wait),
                    format_duration(timeout)
                );
            }
            Ok(Prepared {
                thresholds,
                interval,
                applies: false,
                reused: None,
            })
        })
        .collect();
    if prepared.iter().all(|p| p.is_ok()) {
        return Ok(prepared.into_iter().flatten().collect());
    }
    let attach = Attach::unconnected(catalog, target.engine);
    Err(checks
        .iter()
        .zip(&prepared)
        .map(|(c, p)| {
            let summary = match p {
                Err(e) => format!("{e:#}"),
                Ok(_) => "not run: another check's settings are wrong".to_string(),
            };
            attach.result(c.check.spec().name, None, Outcome::unknown(summary))
        })
        .collect())
}

/// The one session of the run, within the connect timeout and the run's deadline.
async fn connect(
    plan: &Plan,
    target: &Target,
    deadline: tokio::time::Instant,
    progress: &Progress,
) -> Result<Session, ConnectError> {
    let timeout = plan.deadlines.timeout;
    let limits = limits(plan, target);
    progress.say(&format!("connecting to {}", target.redacted_url()));
    crate::log::info(&format!(
        "connecting to {} (connect timeout {})",
        target.redacted_url(),
        format_duration(limits.connect_timeout)
    ));
    let connected = match timeout_at(deadline, Session::connect(target, &limits)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::new(
            ConnectErrorKind::Timeout,
            format!("the --timeout of {} ran out while connecting", format_duration(timeout)),
        )),
    };
    if let Err(err) = &connected {
        crate::log::info(&format!("connection failed: {err}"));
    }
    connected
}

/// The session's time limits within the run's.
fn limits(plan: &Plan, target: &Target) -> Limits {
    Limits {
        connect_timeout: plan.deadlines.connect_within_run(target),
        statement_timeout: STATEMENT_TIMEOUT.min(plan.deadlines.timeout),
        lock_timeout: LOCK_TIMEOUT,
    }
}

/// What the run gathered for the verdicts: the rows, each check's local facts, the previous
/// run's counters.
struct Ran<'a> {
    collected: &'a Collected,
    local: Option<&'a anyhow::Result<LocalFacts>>,
    memory: &'a crate::memory::Memory,
}

/// The counters a check reported, kept for the next run's rates (`check.metric`).
fn remembered(check: &str, outcome: &Outcome) -> Vec<(String, f64)> {
    outcome
        .metrics
        .iter()
        .filter(|m| m.unit == crate::report::Unit::Counter)
        .map(|m| (format!("{check}.{}", m.name), m.value))
        .collect()
}

/// One check's verdict on its rows (or why it has none).
fn evaluate(c: &Selected, prepared: &Prepared, server: &ServerInfo, ran: &Ran, i: usize, target: &Target) -> Outcome {
    let collected = ran.collected;
    let spec = c.check.spec();
    if !prepared.applies {
        return Outcome::unknown(refused::not_here(spec.name, server.engine));
    }
    if let Some(e) = &collected.failures[i] {
        return Outcome::unknown(format!("the {} check: {e}", spec.name));
    }
    let ctx = Context {
        memory: Some(ran.memory),
        ..batches::context(c, prepared, server)
    };
    let rows = crate::checks::Results {
        local: ran.local,
        ..collected.results_of(i)
    };
    let check: &dyn Check = c.check;
    check.evaluate(&ctx, &rows).unwrap_or_else(|e| {
        Outcome::unknown(format!(
            "the {} check failed: {}",
            spec.name,
            driver_message(&format!("{e:#}"), target.password.as_deref())
        ))
    })
}
