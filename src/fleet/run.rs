//! `diagnose --all` / `--tag`: the fleet file's targets diagnosed concurrently, at most `--jobs`
//! at once and at most `--server-jobs` of one server, each within its own `--timeout` from the
//! moment it starts, so a hanging target costs one slot for one deadline and delays nobody else. A target that cannot be reached or whose
//! URL cannot be resolved is UNKNOWN for that target; the run itself goes on. Each target's
//! diagnosis is `app::run::diagnose`, the same as for `--url`.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::config::{Config, TargetConfig};
use crate::app::run::{self, Selected};
use crate::checks::CHECKS;
use crate::cli::{CheckArgs, GlobalArgs};
use crate::report::fleet::{FleetReport, FleetTarget};
use crate::report::{CheckResult, Report};
use crate::runbook::Catalog;
use crate::target::Target;

/// Runs the fleet, prints it in the chosen format and returns the exit code (worst status);
/// bad input (no fleet file, a broken one, a tag nobody carries) is UNKNOWN, said on stderr.
pub fn diagnose(global: &GlobalArgs, args: &CheckArgs) -> u8 {
    let started = Instant::now();
    let env = |k: &str| std::env::var(k).ok();
    let config = match load(global, &env) {
        Ok(c) => c,
        Err(message) => return usage(&message),
    };
    let targets = config.select(&args.fleet.tag);
    if targets.is_empty() {
        return usage(&format!(
            "no target in {} carries the tag {}; tags in the file: {}",
            config.path.display(),
            args.fleet.tag.join(" or "),
            known_tags(&config)
        ));
    }
    let (catalog, runbook_problem) = match run::load_catalog(global) {
        Ok(loaded) => loaded,
        Err(message) => return usage(&message),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return usage(&format!("cannot start the async runtime: {e}")),
    };
    let plan = Plan {
        global,
        only: &args.only,
        limit: args.limit as usize,
        catalog: &catalog,
        runbook_problem,
    };
    let progress = progress_bar(targets.len());
    let resolved: Vec<_> = targets.iter().map(|tc| tc.resolve(&env)).collect();
    let gate = Gate::new(
        &resolved,
        usize::from(args.fleet.jobs),
        usize::from(args.fleet.server_jobs),
    );
    let results = runtime.block_on(async {
        let mut running: FuturesUnordered<_> = targets
            .iter()
            .zip(resolved)
            .enumerate()
            .map(|(i, (tc, resolved))| {
                let (plan, progress, gate) = (&plan, &progress, &gate);
                async move {
                    let server = gate.server_of(i);
                    let report = {
                        let _turn = gate.turn(server).await;
                        plan.diagnose_resolved(tc, resolved).await
                    };
                    // Connecting ran out of the connect timeout: the server does not answer,
                    // and its other targets would each wait as long in turn. A refusal, a full
                    // server or a wrong password is an answer: the limit holds for those.
                    if report.report.unanswered {
                        gate.unanswered(server);
                    }
                    if let Some(bar) = progress {
                        bar.inc(1);
                    }
                    (i, report)
                }
            })
            .collect();
        let mut done = Vec::with_capacity(targets.len());
        while let Some(one) = running.next().await {
            done.push(one);
        }
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, t)| t).collect::<Vec<_>>()
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let report = FleetReport::new(results, started.elapsed().as_millis() as u64);
    global.output().print_fleet(&report)
}

/// What every target of one run shares: the flags, the runbooks.
pub(crate) struct Plan<'a> {
    pub global: &'a GlobalArgs,
    /// `--only`: empty for every check.
    pub only: &'a [String],
    pub limit: usize,
    pub catalog: &'a Catalog,
    pub runbook_problem: Option<CheckResult>,
}

impl Plan<'_> {
    /// One target of the fleet, with its own thresholds and options, within `--timeout` from now.
    pub async fn diagnose(&self, tc: &TargetConfig) -> FleetTarget {
        let env = |k: &str| std::env::var(k).ok();
        self.diagnose_resolved(tc, tc.resolve(&env)).await
    }

    /// The same, with the target's URL already expanded and parsed (or the reason it was not).
    pub async fn diagnose_resolved(&self, tc: &TargetConfig, resolved: Result<Target, String>) -> FleetTarget {
        let started = Instant::now();
        let selected: Vec<Selected> = CHECKS
            .iter()
            .filter(|c| self.only.is_empty() || self.only.iter().any(|o| o == c.spec().name))
            .map(|&check| {
                let name = check.spec().name;
                Selected {
                    check,
                    flags: tc.thresholds.get(name).cloned().unwrap_or_default(),
                    limit: self.limit,
                    options: tc.options.get(name).cloned().unwrap_or_default(),
                    named: !self.only.is_empty(),
                }
            })
            .collect();
        let env = |k: &str| std::env::var(k).ok();
        let report = match resolved {
            Ok(mut target) => {
                crate::passfile::fill(&mut target, &env);
                run::diagnose(
                    self.global,
                    &selected,
                    &target,
                    self.catalog,
                    self.runbook_problem.clone(),
                    started,
                    false,
                )
                .await
            }
            Err(message) => {
                let r = run::failed(&selected, &message, started);
                let mut checks = r.checks;
                checks.extend(self.runbook_problem.clone());
                Report::new(r.target, checks, r.elapsed_ms)
            }
        };
        FleetTarget {
            name: tc.name.clone(),
            tags: tc.tags.clone(),
            report,
        }
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

/// The fleet file named by `--config` or found in its usual places.
pub(crate) fn load(global: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, String> {
    let path = Config::locate(global.config.as_deref(), env)?;
    Config::load(&path).map_err(|p| p.to_string())
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

fn usage(message: &str) -> u8 {
    eprintln!("dbrunbook: {}", crate::text::sanitize(message, false));
    3
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
