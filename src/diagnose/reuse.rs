//! Rows a run takes from an earlier measurement instead of asking the server again: a steady
//! check's (`CheckSpec::steady`, the size check) last measurement on `serve`'s kept session,
//! while younger than `--size-every`; and in a fleet run, a server-wide check's
//! (`CheckSpec::server_wide`: pool, queries, locks, replication) rows as another target on the
//! same server and role read them, so that a server holding 500 of the fleet's databases is
//! asked who is connected once, not 500 times. A check taking a second snapshot (`--interval`)
//! always measures. The verdict is still each target's own, with its own thresholds, and the
//! check's note says where its rows came from.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Prepared;
use super::batches::Collected;
use super::plan::Selected;
use crate::engine::{Query, QueryResult};
use crate::target::Target;
use crate::units::format_duration;

/// A check's statements and their rows, as one run gathered them, and what shaped them.
#[derive(Clone)]
pub struct Measured {
    check: &'static str,
    /// The check's thresholds, options and row count: its statements and their parameters
    /// follow from these, so rows are reused only by a run that would ask the same.
    inputs: String,
    at: Instant,
    queries: Vec<Query>,
    results: Vec<QueryResult>,
}

/// Where a check's rows came from when it did not measure them this run.
#[derive(Clone, Copy)]
pub enum Reused {
    /// The kept session's last measurement, this old.
    Kept(Duration),
    /// Another target of the fleet run on the same server and role, this long ago.
    Server(Duration),
}

impl Reused {
    /// The check's note.
    pub fn note(self, check: &str) -> String {
        match self {
            Reused::Kept(age) => format!(
                "measured {} ago on this kept session: serve measures {check} at most every --size-every",
                format_duration(age)
            ),
            Reused::Server(age) => format!(
                "read {} ago by another target of this fleet run on the same server and role: \
                 what {check} reads is the server's, read once per server in a fleet run",
                format_duration(age)
            ),
        }
    }
}

/// The server-wide checks' rows of a fleet run, by server and role.
#[derive(Default)]
pub struct Shared {
    by_server: RefCell<HashMap<String, Vec<Measured>>>,
}

impl Shared {
    /// Where a target's sessions go and as whom: its engine, hosts and ports, and user.
    fn key(target: &Target) -> String {
        let hosts: Vec<String> = target
            .hosts
            .iter()
            .map(|h| match h.addr {
                Some(addr) => format!("{addr}:{}", h.port),
                None => format!("{}:{}", h.host, h.port),
            })
            .collect();
        format!("{}|{}|{}", target.engine, hosts.join(","), target.user)
    }

    /// The rows of `check` read with these inputs on the target's server and role, if any.
    fn find(&self, target: &Target, check: &str, inputs: &str) -> Option<Measured> {
        let by_server = self.by_server.borrow();
        found(by_server.get(&Self::key(target))?, check, inputs)
    }

    fn store(&self, target: &Target, fresh: &[Measured]) {
        let mut by_server = self.by_server.borrow_mut();
        let list = by_server.entry(Self::key(target)).or_default();
        for m in fresh {
            list.retain(|old| old.check != m.check || old.inputs != m.inputs);
            list.push(m.clone());
        }
    }
}

/// What a run may reuse: the kept session's measurements and how long they serve, and the
/// fleet run's shared rows.
pub struct Sources<'a> {
    pub kept: &'a [Measured],
    pub steady_for: Option<Duration>,
    pub shared: Option<(&'a Shared, &'a Target)>,
}

/// Marks the checks this run answers from an earlier measurement (`Prepared::reused`) and
/// returns their rows, in the checks' order.
pub fn reuse(checks: &[Selected], prepared: &mut [Prepared], sources: &Sources) -> Vec<Option<Measured>> {
    checks
        .iter()
        .zip(prepared.iter_mut())
        .map(|(c, p)| {
            let spec = c.check.spec();
            if !p.applies || p.interval.is_some() {
                return None;
            }
            let asked = inputs(c, p);
            let (rows, reused) = if spec.steady {
                let every = sources.steady_for?;
                let m = found(sources.kept, spec.name, &asked)?;
                let age = m.at.elapsed();
                (age < every).then_some((m, Reused::Kept(age)))?
            } else if let (true, Some((shared, target))) = (spec.server_wide, sources.shared) {
                let m = shared.find(target, spec.name, &asked)?;
                let age = m.at.elapsed();
                (m, Reused::Server(age))
            } else {
                return None;
            };
            p.reused = Some(reused);
            Some(rows)
        })
        .collect()
}

/// Puts the reused rows where the checks read them; keeps what this run measured of its
/// steady checks in `kept` and of its server-wide checks in the fleet run's shared rows.
pub fn settle(
    checks: &[Selected],
    prepared: &[Prepared],
    collected: &mut Collected,
    reused: Vec<Option<Measured>>,
    kept: &mut Vec<Measured>,
    shared: Option<(&Shared, &Target)>,
) {
    let mut server_wide = Vec::new();
    for (i, ((c, p), r)) in checks.iter().zip(prepared).zip(reused).enumerate() {
        let spec = c.check.spec();
        if let Some(m) = r {
            collected.queries[i] = m.queries;
            collected.results[i] = m.results;
            continue;
        }
        if !p.applies || p.interval.is_some() || collected.failures[i].is_some() {
            continue;
        }
        let fresh = Measured {
            check: spec.name,
            inputs: inputs(c, p),
            at: Instant::now(),
            queries: collected.queries[i].clone(),
            results: collected.results[i].clone(),
        };
        if spec.steady {
            kept.retain(|m| m.check != spec.name);
            kept.push(fresh);
        } else if spec.server_wide {
            server_wide.push(fresh);
        }
    }
    if let Some((shared, target)) = shared {
        shared.store(target, &server_wide);
    }
}

/// A copy of the rows of `check` read with these inputs, from a list of measurements.
fn found(list: &[Measured], check: &str, inputs: &str) -> Option<Measured> {
    list.iter().find(|m| m.check == check && m.inputs == inputs).cloned()
}

/// What shapes a check's statements and their parameters (thresholds in seconds, row limits,
/// options such as `--databases all`).
fn inputs(c: &Selected, p: &Prepared) -> String {
    format!("{:?}|{:?}|{}|{}", p.thresholds, c.options, c.limit, c.named)
}
