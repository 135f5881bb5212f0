//! `diagnose` and the check subcommands: the command line becomes a [`Plan`] once, the plan
//! runs once, under `--watch`, or over the fleet, and the report is printed. The pipeline itself
//! is `crate::diagnose`.

use std::time::Instant;

use super::print_report;
use crate::cli::{CheckArgs, CheckCommand, GlobalArgs};
use crate::diagnose::{self, Deadlines, Plan, Runbooks, Selected};
use crate::report::Report;

/// Every check (or `--only`'s), with the runbooks' thresholds: one target, watched, or a fleet.
pub fn all(global: &GlobalArgs, args: &CheckArgs) -> u8 {
    let checks = diagnose::every_check(&args.only, args.limit as usize);
    let plan = match plan(global, checks) {
        Ok(plan) => plan,
        Err(report) if args.fleet.wanted() => return crate::log::refuse(&report.checks[0].summary),
        Err(report) => return print_report(global, &report),
    };
    if args.fleet.wanted() {
        let plan = Plan { spinner: false, ..plan };
        return crate::fleet::run::diagnose(global, &args.fleet, &plan);
    }
    run(global, &plan, args.watch, "diagnose")
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
        Ok(plan) => run(global, &plan, cmd.watch, cmd.check.spec().name),
        Err(report) => print_report(global, &report),
    }
}

/// `serve`: every check for every probe, with the longest default list of any.
pub fn serve_plan(global: &GlobalArgs) -> Result<Plan, String> {
    let limit = crate::checks::CHECKS
        .iter()
        .map(|c| c.spec().default_limit)
        .max()
        .unwrap_or(10);
    Ok(Plan {
        checks: diagnose::every_check(&[], limit),
        deadlines: Deadlines::from_args(global),
        runbooks: Runbooks::load(&global.runbook_dirs())?,
        spinner: false,
    })
}

/// The plan of a run from the command line; when not even the built-in runbooks load, the
/// report saying so instead.
fn plan(global: &GlobalArgs, checks: Vec<Selected>) -> Result<Plan, Report> {
    match Runbooks::load(&global.runbook_dirs()) {
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
fn run(global: &GlobalArgs, plan: &Plan, watch: Option<std::time::Duration>, command: &str) -> u8 {
    let url = global.url.as_deref();
    match watch {
        Some(every) => super::watch::run(global, every, command, || diagnose::run(plan, url)),
        None => print_report(global, &diagnose::run(plan, url)),
    }
}
