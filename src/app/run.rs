//! `diagnose` and the check subcommands: the command line becomes a [`Plan`] once, the plan
//! runs once, under `--watch`, or over the fleet, and the report is printed. The pipeline itself
//! is `crate::diagnose`.

use std::time::Instant;

use crate::cli::{CheckArgs, CheckCommand, GlobalArgs, ServeArgs};
use crate::diagnose::{self, Deadlines, Plan, Runbooks, Selected};
use crate::fleet::config::Config;
use crate::log::refuse;
use crate::report::Report;
use crate::report::output::View;

/// Every check (or `--only`'s), with the runbooks' thresholds: one target, watched, or a fleet.
pub fn all(global: &GlobalArgs, args: &CheckArgs) -> u8 {
    let checks = diagnose::every_check(&args.only, args.limit as usize);
    if args.fleet.wanted() {
        return fleet(global, args, checks);
    }
    match plan(global, checks) {
        Ok(plan) => run(global, plan, args.watch, "diagnose", args.view.view()),
        Err(report) => global.output().print(&report),
    }
}

/// `--all` / `--tag`: the fleet file's targets; bad input is said on stderr, UNKNOWN.
fn fleet(global: &GlobalArgs, args: &CheckArgs, checks: Vec<Selected>) -> u8 {
    let config = match fleet_file(global) {
        Ok(config) => config,
        Err(message) => return global.output().refuse(&message),
    };
    match plan(global, checks) {
        Ok(plan) => {
            let plan = Plan { spinner: false, ..plan };
            crate::fleet::run::diagnose(&global.output(), &args.fleet, &plan, &config)
        }
        Err(report) => global.output().refuse(&report.checks[0].summary),
    }
}

/// One check, as its subcommand asked.
pub fn one(global: &GlobalArgs, cmd: &CheckCommand) -> u8 {
    let checks = vec![Selected {
        check: cmd.check,
        flags: cmd.flags.clone(),
        limit: cmd.limit,
        options: cmd.options.clone(),
        named: true,
    }];
    match plan(global, checks) {
        Ok(plan) => run(global, plan, cmd.watch, cmd.check.spec().name, cmd.view),
        Err(report) => global.output().print(&report),
    }
}

/// `serve`: the fleet file's targets, every check for every probe, with the longest default
/// list of any.
pub fn serve(global: &GlobalArgs, args: &ServeArgs) -> u8 {
    let config = match fleet_file(global) {
        Ok(config) => config,
        Err(message) => return refuse(&message),
    };
    let limit = crate::checks::CHECKS
        .iter()
        .map(|c| c.spec().default_limit)
        .max()
        .unwrap_or(10);
    match Runbooks::load(global.runbook_dirs()) {
        Ok(runbooks) => {
            let plan = Plan {
                checks: diagnose::every_check(&[], limit),
                deadlines: Deadlines::from_args(global),
                runbooks,
                spinner: false,
            };
            crate::fleet::serve::serve(args, plan, config)
        }
        Err(message) => refuse(&message),
    }
}

/// The fleet file named by `--config` or found in its usual places.
fn fleet_file(global: &GlobalArgs) -> Result<Config, String> {
    let env = |k: &str| std::env::var(k).ok();
    Config::find_and_load(global.config.as_deref(), &env)
}

/// The plan of a run from the command line; when not even the built-in runbooks load, the
/// report saying so instead.
fn plan(global: &GlobalArgs, checks: Vec<Selected>) -> Result<Plan, Report> {
    match Runbooks::load(global.runbook_dirs()) {
        Ok(runbooks) => Ok(Plan {
            checks,
            deadlines: Deadlines::from_args(global),
            runbooks,
            spinner: true,
        }),
        Err(message) => Err(diagnose::failed(&checks, &message, None, Instant::now())),
    }
}

/// The `--url` target once, or every `--watch` interval until Ctrl-C.
fn run(global: &GlobalArgs, plan: Plan, watch: Option<std::time::Duration>, command: &str, view: View) -> u8 {
    let url = global.url.as_deref();
    let output = global.output().with_view(view);
    match watch {
        Some(_) if global.output_file.is_some() => {
            refuse("--output writes one report; with --watch, run it from cron instead")
        }
        // A spinner under the redrawn screen would write past its last row and scroll it.
        Some(every) => {
            let plan = Plan { spinner: false, ..plan };
            super::watch::run(output, every, command, || diagnose::run(&plan, url))
        }
        None => output.print(&diagnose::run(&plan, url)),
    }
}
