//! Sending the checks' queries over the one session: every applicable check's queries in one
//! batch, then the follow-ups of those that have any in a second one, then, for checks with an
//! interval, the same again once it has passed. Each check keeps its queries and results in
//! order. A batch that fails or runs out of time costs only the checks with queries in it.

use std::ops::Range;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::Prepared;
use super::plan::Selected;
use super::progress::Progress;
use crate::checks::{Context, Results};
use crate::engine::{Query, QueryResult, ServerInfo, Session};
use crate::redact::driver_message;
use crate::units::format_duration;

/// One round of a run: the checks' queries, their follow-ups, or both again after a check's
/// interval for its second snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    Queries,
    FollowUp,
    Again(Duration),
}

/// What the rounds brought back, per check (in the plan's order).
pub struct Collected {
    pub queries: Vec<Vec<Query>>,
    pub results: Vec<Vec<QueryResult>>,
    /// Where a check's second snapshot starts in its results.
    pub second_at: Vec<Option<usize>>,
    /// Why a check has no verdict (its batch failed, or the deadline came first).
    pub failures: Vec<Option<String>>,
}

impl Collected {
    /// A check's rows as `Check::evaluate` reads them.
    pub fn results_of(&self, i: usize) -> Results<'_> {
        Results {
            queries: &self.queries[i],
            results: &self.results[i],
            second_at: self.second_at[i],
            local: None,
        }
    }
}

/// Where the rounds run: the session's server and the run's deadline.
pub struct Batches<'a> {
    pub server: &'a ServerInfo,
    pub deadline: Instant,
    pub timeout: Duration,
    /// The target's password, kept out of driver messages.
    pub password: Option<&'a str>,
    pub progress: &'a Progress,
}

impl Batches<'_> {
    pub async fn run(&self, session: &mut Session, checks: &[Selected], prepared: &[Prepared]) -> Collected {
        let n = checks.len();
        let mut got = Collected {
            queries: vec![Vec::new(); n],
            results: vec![Vec::new(); n],
            second_at: vec![None; n],
            failures: vec![None; n],
        };
        let first_sent = Instant::now();
        for round in rounds(prepared) {
            if let Round::Again(wait) = round {
                self.progress
                    .say(&format!("waiting {} for the second snapshot", format_duration(wait)));
                crate::log::info(&format!("waiting {} for the second snapshot", format_duration(wait)));
                if timeout_at(self.deadline, tokio::time::sleep_until(first_sent + wait))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            let (batch, spans) = self.batch(round, checks, prepared, &mut got);
            if round != Round::Queries && batch.is_empty() {
                continue;
            }
            match self.send(session, &batch).await {
                Ok(results) => {
                    let mut results = results.into_iter();
                    for (i, span) in spans.into_iter().enumerate() {
                        got.results[i].extend(results.by_ref().take(span.len()));
                        got.queries[i].extend(batch[span].iter().cloned());
                    }
                }
                Err(e) => {
                    // Only the checks with queries in the failed batch lose their verdict: a
                    // follow-up that runs out of time must not hide the first batch's CRITICAL.
                    for (i, span) in spans.iter().enumerate() {
                        if !span.is_empty() {
                            got.failures[i] = Some(e.clone());
                        }
                    }
                    break;
                }
            }
        }
        self.missed_second_snapshots(prepared, &mut got);
        got
    }

    /// One round's queries, and which of them belong to which check.
    fn batch(
        &self,
        round: Round,
        checks: &[Selected],
        prepared: &[Prepared],
        got: &mut Collected,
    ) -> (Vec<Query>, Vec<Range<usize>>) {
        let mut batch: Vec<Query> = Vec::new();
        let mut spans = Vec::with_capacity(checks.len());
        for (i, (c, p)) in checks.iter().zip(prepared).enumerate() {
            let wanted = match round {
                Round::Again(wait) => p.interval == Some(wait),
                Round::Queries | Round::FollowUp => true,
            };
            if !p.applies || p.reused.is_some() || !wanted {
                spans.push(0..0);
                continue;
            }
            let ctx = context(c, p, self.server);
            let start = batch.len();
            let first = got.results_of(i);
            match round {
                Round::Queries => batch.extend(c.check.queries(&ctx)),
                Round::FollowUp => batch.extend(c.check.follow_up(&ctx, &first)),
                Round::Again(_) => {
                    let second_at = got.results[i].len();
                    batch.extend(c.check.queries(&ctx));
                    batch.extend(c.check.follow_up(&ctx, &first));
                    got.second_at[i] = Some(second_at);
                }
            }
            spans.push(start..batch.len());
        }
        (batch, spans)
    }

    /// Runs a round's batch; a statement that two checks ask for (the queries and locks checks
    /// both read the activity totals) runs once and both get its rows: on a fresh backend each
    /// statement's first plan costs the server milliseconds of catalog reads.
    async fn send(&self, session: &mut Session, batch: &[Query]) -> Result<Vec<QueryResult>, String> {
        let mut unique: Vec<Query> = Vec::with_capacity(batch.len());
        let positions: Vec<usize> = batch
            .iter()
            .map(|q| match unique.iter().position(|u| u.same_statement(q)) {
                Some(at) => at,
                None => {
                    unique.push(q.clone());
                    unique.len() - 1
                }
            })
            .collect();
        match timeout_at(self.deadline, session.run(&unique)).await {
            Ok(Ok(results)) if results.len() == unique.len() => {
                Ok(positions.iter().map(|&at| results[at].clone()).collect())
            }
            Ok(Ok(results)) => Err(format!(
                "the session answered {} of {} statements",
                results.len(),
                unique.len()
            )),
            Ok(Err(e)) => Err(format!(
                "the queries failed: {}",
                driver_message(&format!("{e:#}"), self.password)
            )),
            Err(_) => Err(format!(
                "the checks did not finish within --timeout {}",
                format_duration(self.timeout)
            )),
        }
    }

    /// A check whose second snapshot the deadline cut off cannot judge the change.
    fn missed_second_snapshots(&self, prepared: &[Prepared], got: &mut Collected) {
        for (i, p) in prepared.iter().enumerate() {
            if let Some(wait) = p.interval
                && p.applies
                && got.failures[i].is_none()
                && got.second_at[i].is_none()
            {
                got.failures[i] = Some(format!(
                    "the --timeout of {} ran out before the second snapshot, {} after the first",
                    format_duration(self.timeout),
                    format_duration(wait)
                ));
            }
        }
    }
}

/// The rounds a run needs: queries, follow-ups, then one per distinct interval, shortest first.
fn rounds(prepared: &[Prepared]) -> Vec<Round> {
    let mut waits: Vec<Duration> = prepared
        .iter()
        .filter(|p| p.applies)
        .filter_map(|p| p.interval)
        .collect();
    waits.sort();
    waits.dedup();
    let mut rounds = vec![Round::Queries, Round::FollowUp];
    rounds.extend(waits.into_iter().map(Round::Again));
    rounds
}

/// What a check sees of the run.
pub fn context<'a>(c: &'a Selected, p: &'a Prepared, server: &'a ServerInfo) -> Context<'a> {
    Context {
        server,
        thresholds: &p.thresholds,
        limit: c.limit,
        options: &c.options,
        named: c.named,
        memory: None,
    }
}
