//! The tool's own connection failed: which check tells it, with which runbook, and what the
//! others say. When the `connect` check (the one that probes the connection) is selected, it
//! tells the failure once, with the runbook of the check that owns this kind of refusal (a full
//! server: the pool's) or its own; a check with a verdict of its own on the refusal keeps it (a
//! full server is the pool's CRITICAL); every other check is one line, "not run". Without it, a
//! check with a verdict gives it, the others share that verdict with the runbook shown once, and
//! any other failure leaves every check UNKNOWN, naming the failed phase.

use super::attach::Attach;
use super::plan::Selected;
use crate::checks::{CHECKS, Outcome};
use crate::engine::ConnectError;
use crate::report::CheckResult;
use crate::target::{Engine, Target};

/// The check (not the connection prober) whose verdict a refusal of this kind is, and its verdict.
type Owner = Option<(&'static str, Outcome)>;

pub fn refused(checks: &[Selected], err: &ConnectError, target: &Target, attach: &Attach) -> Vec<CheckResult> {
    let owner: Owner = CHECKS
        .iter()
        .filter(|c| !c.probes_connection())
        .find_map(|c| c.refused(err, target.engine).map(|o| (c.spec().name, o)));
    if checks.iter().any(|c| c.check.probes_connection()) {
        told_by_the_prober(checks, err, target, attach, &owner)
    } else {
        shared_verdict(checks, err, target, attach, &owner)
    }
}

/// The `connect` check is selected: it tells the failure, with the owner's runbook.
fn told_by_the_prober(
    checks: &[Selected],
    err: &ConnectError,
    target: &Target,
    attach: &Attach,
    owner: &Owner,
) -> Vec<CheckResult> {
    checks
        .iter()
        .map(|c| {
            let name = c.check.spec().name;
            match (c.check.probes_connection(), c.check.refused(err, target.engine)) {
                (true, Some(mut own)) => {
                    let runbook = match owner {
                        Some((owner_name, verdict)) => {
                            own.facts.conditions.extend(verdict.facts.conditions.iter().cloned());
                            // The owner's runbook is filled from the owner's values too (how to
                            // get in through a reserved slot), the prober's own winning.
                            for (k, v) in &verdict.facts.values {
                                own.facts.values.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                            own.facts.lead = verdict.facts.lead.clone().or(own.facts.lead);
                            *owner_name
                        }
                        None => name,
                    };
                    attach.result(name, Some(runbook), own)
                }
                (false, Some(own)) => attach.result(name, None, own),
                _ => attach.result(name, None, Outcome::unknown("not run: no connection")),
            }
        })
        .collect()
}

/// No prober: a check with a verdict on the refusal gives it; the others share the owner's, or
/// say which phase of connecting failed.
fn shared_verdict(
    checks: &[Selected],
    err: &ConnectError,
    target: &Target,
    attach: &Attach,
    owner: &Owner,
) -> Vec<CheckResult> {
    let owner_selected = owner
        .as_ref()
        .is_some_and(|(name, _)| checks.iter().any(|c| c.check.spec().name == *name));
    checks
        .iter()
        .map(|c| {
            let name = c.check.spec().name;
            match (c.check.refused(err, target.engine), owner) {
                (Some(own), _) => attach.result(name, Some(name), own),
                (None, Some((owner_name, verdict))) => {
                    let outcome = Outcome {
                        summary: format!("not run: {}", verdict.summary),
                        notes: vec![format!(
                            "the {owner_name} check's finding, which decides this check's status too"
                        )],
                        ..verdict.clone()
                    };
                    let runbook = (!owner_selected).then_some(*owner_name);
                    attach.result(name, runbook, outcome)
                }
                (None, None) => {
                    let outcome = Outcome::unknown(format!(
                        "cannot connect to {}: {}",
                        crate::engine::describe_hosts(target),
                        what_failed(err)
                    ));
                    attach.result(name, Some(name), outcome)
                }
            }
        })
        .collect()
}

/// The failed phase in its own words, else the driver's message.
fn what_failed(err: &ConnectError) -> String {
    match err.failed_phase() {
        Some(p) if !p.detail.is_empty() => format!(
            "{} {}: {} ({})",
            p.step.label(),
            p.failure.map_or("failed", |f| f.words()),
            p.detail,
            err.hint()
        ),
        _ => err.to_string(),
    }
}

/// Why a check does not run on this engine, and where to point it instead.
pub fn not_here(check: &str, engine: Engine) -> String {
    match engine {
        Engine::Pgbouncer => format!(
            "PgBouncer's admin console has no data for the {check} check: point --url at the PostgreSQL server behind it"
        ),
        Engine::Postgres | Engine::Mysql => format!("the {check} check does not run on {engine}"),
    }
}
