//! The checks' local work (`Check::inspect`: reading backup files, asking pgBackRest), each on a
//! thread of its own started before connecting, so that it overlaps the connection and the
//! queries. Collected after the queries, never waited for past the run's deadline. When the
//! connection fails, a check with local facts still gives the verdict they support.

use std::collections::BTreeMap;
use std::time::Instant;

use tokio::sync::oneshot::{Receiver, channel};

use anyhow::{Result, anyhow};

use crate::checks::{Check, LocalContext, LocalFacts, Outcome, Thresholds};
use crate::target::Engine;
use crate::units::format_duration;

/// One check's local work under way (or `None`: it has none).
pub struct Pending {
    check: &'static dyn Check,
    name: &'static str,
    ctx: LocalContext,
    answer: Option<Receiver<Option<Result<LocalFacts>>>>,
}

/// A check and its options as the user gave them.
pub type Asked<'a> = (&'static dyn Check, &'a BTreeMap<String, Vec<String>>);

/// Starts each check's local work (`inspect`) on a thread of its own; a check with none (most,
/// most of the time) gets its empty answer at once, without a thread. Threads are never
/// joined: one that overruns the deadline is abandoned and ends with the process. The work's
/// own deadline comes a little before the run's (a tenth of the time left, half a second at
/// most), so that a check stopped by it can still say how far it got.
pub fn start(checks: &[Asked], thresholds: &[Thresholds], engine: Engine, run_deadline: Instant) -> Vec<Pending> {
    let left = run_deadline.saturating_duration_since(Instant::now());
    let deadline = run_deadline - (left / 10).min(std::time::Duration::from_millis(500));
    checks
        .iter()
        .zip(thresholds)
        .map(|(&(check, options), thresholds)| {
            let ctx = LocalContext {
                engine,
                thresholds: thresholds.clone(),
                options: options.clone(),
                deadline,
            };
            // Not run on this engine (PgBouncer): its local work would be thrown away.
            let work = if check.spec().engines.contains(&engine) {
                check.inspect(&ctx)
            } else {
                None
            };
            let (tx, rx) = channel();
            let answer = match work {
                None => {
                    let _ = tx.send(None);
                    Some(rx)
                }
                Some(work) => std::thread::Builder::new()
                    .name(format!("{}-local", check.spec().name))
                    .spawn(move || {
                        let _ = tx.send(Some(work()));
                    })
                    .ok()
                    .map(|_| rx),
            };
            Pending {
                check,
                name: check.spec().name,
                ctx,
                answer,
            }
        })
        .collect()
}

/// Each check's local result, waiting at most until `deadline` (the time left is shared). The
/// wait is asynchronous: other targets of a fleet run, and other probes of `serve`, go on while
/// one target's local work is still under way.
pub async fn collect(
    pending: Vec<Pending>,
    deadline: Instant,
    timeout: std::time::Duration,
) -> Vec<(LocalContext, Option<Result<LocalFacts>>)> {
    let mut collected = Vec::with_capacity(pending.len());
    for p in pending {
        let Some(rx) = p.answer else {
            collected.push((p.ctx, Some(Err(anyhow!("could not start a thread for the local work")))));
            continue;
        };
        let got = match tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), rx).await {
            Ok(Ok(found)) => found,
            Err(_) => Some(Err(anyhow!(
                "the {} check's local work did not finish within --timeout {}",
                p.name,
                format_duration(timeout)
            ))),
            Ok(Err(_)) => Some(Err(anyhow!("the local work stopped without an answer"))),
        };
        collected.push((p.ctx, got));
    }
    collected
}

/// The connection failed (`why`): each check's verdict from its local facts alone, where it has
/// one (`Check::evaluate_offline`); `None` keeps the refusal's verdict.
pub async fn offline(
    pending: Vec<Pending>,
    deadline: Instant,
    timeout: std::time::Duration,
    why: &str,
) -> Vec<Option<Outcome>> {
    let checks: Vec<&'static dyn Check> = pending.iter().map(|p| p.check).collect();
    collect(pending, deadline, timeout)
        .await
        .iter()
        .zip(checks)
        .map(|((ctx, facts), check)| check.evaluate_offline(ctx, facts.as_ref()?, why))
        .collect()
}
