//! The last steps of a diagnosis: a check's outcome becomes its result with the runbook that
//! fits it (chosen among the runbooks of the check that owns the verdict, filled for the
//! dialects the server speaks), and the results become the target's report.

use std::time::Instant;

use super::plan::{Runbooks, Selected};
use crate::checks::Outcome;
use crate::report::{CheckResult, Report, Status, TargetInfo};
use crate::runbook::{self, Catalog, Dialect};
use crate::target::{Engine, Target};

/// The runbooks of one run, for one server.
pub struct Attach<'a> {
    catalog: &'a Catalog,
    engine: Engine,
    dialects: Vec<Dialect>,
}

impl<'a> Attach<'a> {
    /// For a server whose version is known (connected).
    pub fn server(catalog: &'a Catalog, engine: Engine, mariadb: bool, version_num: u32) -> Attach<'a> {
        Attach {
            catalog,
            engine,
            dialects: Dialect::spoken(engine, mariadb, version_num),
        }
    }

    /// For a target the tool could not connect to: the engine is known, not its version.
    pub fn unconnected(catalog: &'a Catalog, engine: Engine) -> Attach<'a> {
        Attach::server(catalog, engine, false, 0)
    }

    /// The check's result, with the runbook of `runbook_check` that fits the outcome, if any.
    pub fn result(&self, name: &str, runbook_check: Option<&str>, outcome: Outcome) -> CheckResult {
        let runbook = runbook_check
            .and_then(|check| self.catalog.select(check, self.engine, outcome.status, &outcome.facts))
            .map(|rb| runbook::apply(rb, self.engine, &self.dialects, &outcome.facts));
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
}

/// The target's report: its results, then what was wrong with the `--runbooks` files.
pub fn report(
    target: &Target,
    version: Option<String>,
    mut results: Vec<CheckResult>,
    runbooks: &Runbooks,
    started: Instant,
) -> Report {
    results.extend(runbooks.problem.clone());
    let info = TargetInfo {
        engine: target.engine.to_string(),
        url: target.redacted_url(),
        server_version: version,
    };
    let report = Report::new(info, results, started.elapsed().as_millis() as u64);
    crate::log::info(&format!("done in {} ms: {}", report.elapsed_ms, report.status.label()));
    report
}

/// Every requested check UNKNOWN with the same reason (bad input, before any connection), then
/// the `--runbooks` problem if there is one.
pub fn failed(checks: &[Selected], message: &str, runbooks: Option<&Runbooks>, started: Instant) -> Report {
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
        .chain(runbooks.and_then(|r| r.problem.clone()))
        .collect();
    let target = TargetInfo {
        engine: "unknown".into(),
        url: String::new(),
        server_version: None,
    };
    Report::new(target, results, started.elapsed().as_millis() as u64)
}
