//! `diagnose --all` / `--tag` / `--target`: the fleet file's targets diagnosed concurrently, at most `--jobs`
//! at once and at most `--server-jobs` of one server, each within its own `--timeout` from the
//! moment it starts, so a hanging target costs one slot for one deadline and delays nobody
//! else. A target that cannot be reached or whose URL cannot be resolved is UNKNOWN for that
//! target; the run itself goes on. Each target's diagnosis is `crate::diagnose`, the same as
//! for `--url`, with the target's own thresholds and options laid over the plan.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::config::{Config, TargetConfig};
use crate::cli::FleetArgs;
use crate::diagnose::{self, Plan};
use crate::report::fleet::{FleetReport, FleetTarget};
use crate::report::output::Output;
use crate::target::Target;

/// Runs the fleet, prints it in the chosen format and returns the exit code (worst status);
/// bad input (no fleet file, a broken one, a tag nobody carries) is UNKNOWN, said on stderr.
pub fn diagnose(output: &Output, args: &FleetArgs, plan: &Plan, config: &Config) -> u8 {
    let started = Instant::now();
    let env = |k: &str| std::env::var(k).ok();
    let targets = if args.target.is_empty() {
        config.select(&args.tag)
    } else {
        match config.named(&args.target) {
            Ok(targets) => targets,
            Err(message) => return output.refuse(&message),
        }
    };
    if targets.is_empty() {
        return output.refuse(&format!(
            "no target in {} carries the tag {}; tags in the file: {}",
            config.path.display(),
            args.tag.join(" or "),
            known_tags(config)
        ));
    }
    let runtime = match diagnose::runtime() {
        Ok(rt) => rt,
        Err(message) => return output.refuse(&message),
    };
    let progress = progress_bar(targets.len());
    let resolved: Vec<_> = targets.iter().map(|tc| tc.resolve(&env)).collect();
    let gate = Gate::new(&resolved, usize::from(args.jobs), usize::from(args.server_jobs));
    let results = runtime.block_on(every_target(plan, &targets, resolved, &gate, progress.as_ref()));
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let report = FleetReport::new(results, started.elapsed().as_millis() as u64);
    output.print_fleet(report)
}

/// Every target, as the gate lets them start, in the file's order.
async fn every_target(
    plan: &Plan,
    targets: &[&TargetConfig],
    resolved: Vec<Result<Target, String>>,
    gate: &Gate,
    progress: Option<&ProgressBar>,
) -> Vec<FleetTarget> {
    let shared = diagnose::Shared::default();
    let shared = &shared;
    let mut running: FuturesUnordered<_> = targets
        .iter()
        .zip(resolved)
        .enumerate()
        .map(|(i, (tc, resolved))| async move {
            let server = gate.server_of(i);
            let report = {
                let _turn = gate.turn(server).await;
                one_target(plan, tc, resolved, shared).await
            };
            // Connecting ran out of the connect timeout: the server does not answer, and its
            // other targets would each wait as long in turn. A refusal, a full server or a
            // wrong password is an answer: the limit holds for those.
            if report.report.unanswered {
                gate.unanswered(server);
            }
            if let Some(bar) = progress {
                bar.inc(1);
            }
            (i, report)
        })
        .collect();
    let mut done = Vec::with_capacity(targets.len());
    while let Some(one) = running.next().await {
        done.push(one);
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// One target of the fleet, with its own thresholds and options, within `--timeout` from now;
/// its server-wide checks' rows shared with the run's other targets on the same server and role.
async fn one_target(
    plan: &Plan,
    tc: &TargetConfig,
    resolved: Result<Target, String>,
    shared: &diagnose::Shared,
) -> FleetTarget {
    let started = Instant::now();
    let checks = plan.checks_for(&tc.thresholds, &tc.options);
    FleetTarget {
        name: tc.name.clone(),
        tags: tc.tags.clone(),
        report: diagnose::fleet_target(plan, &checks, resolved, started, shared).await,
    }
}

/// Who may start: at most `--jobs` targets at once over the fleet, and at most `--server-jobs`
/// of one server (the same hosts and ports), so that a hundred databases on one server never
/// open a hundred sessions on it at once. A server that does not answer has its limit lifted:
/// its targets then fail together within one deadline instead of one after another.
///
/// A target takes its server's permit before the overall one. Both semaphores are fair, so the
/// overall queue holds only targets whose server has room, and targets of other servers are
/// never stuck behind a busy one.
struct Gate {
    overall: Semaphore,
    servers: Vec<Semaphore>,
    /// Per target, its server's index; `None` for a target whose URL did not resolve.
    server_of: Vec<Option<usize>>,
    lifted: Vec<Cell<bool>>,
    /// Permits enough for every target, added to a server that does not answer.
    everyone: usize,
}

impl Gate {
    fn new(resolved: &[Result<Target, String>], jobs: usize, server_jobs: usize) -> Gate {
        let mut index: HashMap<String, usize> = HashMap::new();
        let server_of = resolved
            .iter()
            .map(|r| {
                let target = r.as_ref().ok()?;
                let key = target
                    .hosts
                    .iter()
                    // Where the connection goes: with hostaddr, the address, not the name.
                    .map(|h| match h.addr {
                        Some(addr) => format!("{addr}:{}", h.port),
                        None => format!("{}:{}", h.host, h.port),
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                let next = index.len();
                Some(*index.entry(key).or_insert(next))
            })
            .collect();
        Gate {
            overall: Semaphore::new(jobs),
            servers: (0..index.len()).map(|_| Semaphore::new(server_jobs)).collect(),
            lifted: (0..index.len()).map(|_| Cell::new(false)).collect(),
            server_of,
            everyone: resolved.len(),
        }
    }

    fn server_of(&self, target: usize) -> Option<usize> {
        self.server_of[target]
    }

    /// Waits until the target may start; it runs while the permits are held.
    async fn turn(&self, server: Option<usize>) -> (Option<SemaphorePermit<'_>>, Option<SemaphorePermit<'_>>) {
        let own = match server {
            Some(i) => self.servers[i].acquire().await.ok(),
            None => None,
        };
        (own, self.overall.acquire().await.ok())
    }

    fn unanswered(&self, server: Option<usize>) {
        if let Some(i) = server
            && !self.lifted[i].replace(true)
        {
            self.servers[i].add_permits(self.everyone);
        }
    }
}

fn known_tags(config: &Config) -> String {
    let mut tags: Vec<&str> = config
        .targets
        .iter()
        .flat_map(|t| t.tags.iter().map(String::as_str))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    if tags.is_empty() {
        "none".into()
    } else {
        tags.join(", ")
    }
}

/// A bar of targets done, on stderr only when it is a terminal.
fn progress_bar(len: usize) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} targets, {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}
