//! `diagnose --all` / `--tag`: the fleet file's targets diagnosed concurrently, at most `--jobs`
//! at once, each within its own `--timeout` from the moment it starts, so a hanging target costs
//! one slot for one deadline and delays nobody else. A target that cannot be reached or whose
//! URL cannot be resolved is UNKNOWN for that target; the run itself goes on. Each target's
//! diagnosis is `app::run::diagnose`, the same as for `--url`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::config::{Config, TargetConfig};
use crate::app::run::{self, Selected};
use crate::checks::CHECKS;
use crate::cli::{CheckArgs, Format, GlobalArgs};
use crate::report::fleet::{self, FleetReport, FleetTarget};
use crate::report::table::TableOptions;
use crate::report::{CheckResult, Report};
use crate::runbook::Catalog;

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
    let jobs = usize::from(args.fleet.jobs);
    let results = runtime.block_on(async {
        let mut done: Vec<(usize, FleetTarget)> = futures_util::stream::iter(targets.iter().enumerate())
            .map(|(i, tc)| {
                let plan = &plan;
                let progress = &progress;
                async move {
                    let report = plan.diagnose(tc).await;
                    if let Some(bar) = progress {
                        bar.inc(1);
                    }
                    (i, report)
                }
            })
            .buffer_unordered(jobs)
            .collect()
            .await;
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, t)| t).collect::<Vec<_>>()
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let report = FleetReport::new(results, started.elapsed().as_millis() as u64);
    let text = match global.format {
        Format::Json => fleet::json(&report),
        Format::Prometheus => fleet::prometheus(&report),
        Format::Nagios => fleet::nagios(&report),
        Format::PrometheusRules => unreachable!("refused in main before any run"),
        Format::Table => {
            let tty = std::io::stdout().is_terminal();
            fleet::table(
                &report,
                &TableOptions {
                    color: crate::app::use_color(global.color, tty),
                    width: tty.then(crate::app::terminal_width).flatten(),
                },
            )
        }
    };
    crate::app::emit(&text);
    report.exit_code
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
                }
            })
            .collect();
        let env = |k: &str| std::env::var(k).ok();
        let report = match tc.resolve(&env) {
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
