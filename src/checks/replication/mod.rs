//! The replication check, "can the application trust its replicas, and will a slot fill the
//! disk": from whichever side it is connected to. On a PostgreSQL primary its WAL senders,
//! replication slots and synchronous standbys (`postgres.rs`); on a replica the WAL receiver,
//! replay lag and paused replay. On MySQL/MariaDB every replication channel's IO and SQL
//! threads, the connected replicas, binary log retention and semi-sync (`mysql.rs`). With
//! `--interval`, each slot's growth rate and the time until it is cut off or fills the disk.
//! The spec, the thresholds and the verdict's bookkeeping live here; SQL in `sql/`.

mod mysql;
mod postgres;
mod slots;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;

use super::{Check, CheckOption, CheckSpec, Context, Facts, Outcome, Results, Threshold, ThresholdKind};
use crate::engine::Query;
use crate::report::{Finding, Metric, Status};
use crate::target::Engine;

pub struct Replication;

pub const LAG_WARNING: Threshold = Threshold {
    key: "lag_warning",
    kind: ThresholdKind::Duration,
    default: "1m",
    help: "WARNING when a replica's replay is this far behind its primary (a replica of an idle primary is not behind)",
};

pub const LAG_CRITICAL: Threshold = Threshold {
    key: "lag_critical",
    kind: ThresholdKind::Duration,
    default: "5m",
    help: "CRITICAL when a replica's replay is this far behind its primary",
};

pub const LAG_BYTES_WARNING: Threshold = Threshold {
    key: "lag_bytes_warning",
    kind: ThresholdKind::Bytes,
    default: "256MB",
    help: "WARNING when a replica has received (or its primary has sent) this much not yet replayed",
};

pub const LAG_BYTES_CRITICAL: Threshold = Threshold {
    key: "lag_bytes_critical",
    kind: ThresholdKind::Bytes,
    default: "1GB",
    help: "CRITICAL when a replica has this much WAL or binary log not yet replayed",
};

pub const SLOT_RETAINED_WARNING: Threshold = Threshold {
    key: "slot_retained_warning",
    kind: ThresholdKind::Bytes,
    default: "1GB",
    help: "WARNING when a replication slot keeps this much WAL on the primary's disk",
};

pub const SLOT_RETAINED_CRITICAL: Threshold = Threshold {
    key: "slot_retained_critical",
    kind: ThresholdKind::Bytes,
    default: "10GB",
    help: "CRITICAL when a replication slot keeps this much WAL on the primary's disk",
};

pub const SLOT_INACTIVE: Threshold = Threshold {
    key: "slot_inactive",
    kind: ThresholdKind::Duration,
    default: "1h",
    help: "WARNING when a replication slot has had no consumer this long (PostgreSQL 18 says since when; \
           before 18 an inactive slot is judged by the WAL it keeps)",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "replication",
    about: "Replication from whichever side it is connected to: replica lag (in time, with an idle primary \
            not counted as lag, and in bytes), broken replicas (no WAL receiver; MySQL/MariaDB IO and SQL \
            threads with their errors), replication slots keeping WAL until the disk fills, synchronous \
            standbys gone, semi-sync fallen back; with --interval each slot's growth and time left.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[
        LAG_WARNING,
        LAG_CRITICAL,
        LAG_BYTES_WARNING,
        LAG_BYTES_CRITICAL,
        SLOT_RETAINED_WARNING,
        SLOT_RETAINED_CRITICAL,
        SLOT_INACTIVE,
    ],
    options: &[CheckOption {
        key: "interval",
        value_name: "DURATION",
        help: "Take two snapshots this far apart and report each slot's WAL growth per second and the time \
               until max_slot_wal_keep_size cuts it off",
        repeatable: false,
    }],
    ordered: &[
        (LAG_WARNING.key, LAG_CRITICAL.key, "replica lag"),
        (LAG_BYTES_WARNING.key, LAG_BYTES_CRITICAL.key, "replica lag in bytes"),
        (
            SLOT_RETAINED_WARNING.key,
            SLOT_RETAINED_CRITICAL.key,
            "slot retained WAL",
        ),
    ],
    default_limit: 10,
    steady: false,
    server_wide: true,
    placeholders: &[
        "lag",
        "lag_bytes",
        "primary_host",
        "channel",
        "io_error",
        "sql_error",
        "duplicate_key",
        "duplicate_value",
        "schema",
        "table",
        "query_pid",
        "query_age",
        "conflicts",
        "slot_name",
        "slot_type",
        "slot_plugin",
        "slot_database",
        "slot_retained",
        "slot_wal_status",
        "slot_growth",
        "slot_time_left",
        "max_slot_wal_keep_size",
        "standby_names",
        "sync_required",
        "sync_connected",
        "lag_warning",
        "lag_critical",
        "slot_retained_warning",
        "slot_retained_critical",
    ],
    item_placeholders: &[],
    conditions: &[
        "replica_lag",
        "replay_paused",
        "long_replica_query",
        "replay_conflicts",
        "not_receiving",
        "io_thread_error",
        "sql_thread_error",
        "duplicate_key",
        "replica_stopped",
        "duplicate_key_default_connection",
        "duplicate_key_named_connection",
        "slot_retaining_wal",
        "slot_inactive",
        "slot_lost",
        "logical_slot",
        "sync_standby_gone",
        "semi_sync_off",
        "insufficient_privilege",
    ],
};

impl Check for Replication {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        match ctx.engine() {
            Engine::Mysql => mysql::queries(ctx.server),
            // PgBouncer is not among SPEC.engines, so never gets here; it speaks PostgreSQL.
            Engine::Postgres | Engine::Pgbouncer => postgres::queries(),
        }
    }

    fn interval(&self, options: &BTreeMap<String, Vec<String>>) -> Result<Option<Duration>> {
        super::interval_option(options)
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let mut v = Verdict::default();
        for t in [LAG_WARNING, LAG_CRITICAL, SLOT_RETAINED_WARNING, SLOT_RETAINED_CRITICAL] {
            v.facts.values.insert(t.key.into(), ctx.thresholds.shown(t));
        }
        match ctx.engine() {
            Engine::Mysql => mysql::evaluate(ctx, results, &mut v)?,
            Engine::Postgres | Engine::Pgbouncer => postgres::evaluate(ctx, results, &mut v)?,
        }
        Ok(v.outcome())
    }
}

/// The verdict as it is built: problems with their status and runbook condition, what is fine,
/// and what the report shows. Judged worst first, so the first writer of a runbook value is the
/// worst problem's.
#[derive(Default)]
pub(crate) struct Verdict {
    problems: Vec<(Status, &'static str, String)>,
    fine: Vec<String>,
    metrics: Vec<Metric>,
    findings: Vec<Finding>,
    notes: Vec<String>,
    facts: Facts,
    /// Nothing could be seen that says the server replicates or not (a refused view).
    blind: Option<String>,
}

impl Verdict {
    fn problem(&mut self, status: Status, condition: &'static str, text: String) {
        self.facts.flag(condition);
        self.problems.push((status, condition, text));
    }

    fn fine(&mut self, text: String) {
        self.fine.push(text);
    }

    /// A runbook value, first writer wins.
    fn value(&mut self, key: &str, value: impl ToString) {
        self.facts
            .values
            .entry(key.to_string())
            .or_insert_with(|| value.to_string());
    }

    fn outcome(mut self) -> Outcome {
        // Stable: equal statuses keep the order they were judged in.
        self.problems.sort_by_key(|p| std::cmp::Reverse(p.0));
        let mut status = self.problems.iter().fold(Status::Ok, |acc, p| acc.worst(p.0));
        self.facts.lead = self.problems.first().map(|p| p.1.to_string());
        let mut summary = if self.problems.is_empty() {
            self.fine.join("; ")
        } else {
            self.problems
                .iter()
                .map(|p| p.2.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        if let Some(why) = self.blind {
            if status == Status::Ok {
                status = Status::Unknown;
                summary = why;
            } else {
                self.notes.push(why);
            }
        }
        Outcome {
            status,
            summary,
            metrics: self.metrics,
            findings: self.findings,
            notes: self.notes,
            facts: self.facts,
        }
    }
}

/// OK below `warning`, WARNING from it, CRITICAL from `critical`; `None` for OK.
fn graded(value: f64, warning: f64, critical: f64) -> Option<Status> {
    match super::grade(value, warning, critical) {
        Status::Ok => None,
        s => Some(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_interval_is_an_error_before_connecting() {
        let opts = |v: &str| BTreeMap::from([("interval".to_string(), vec![v.to_string()])]);
        assert!(Replication.interval(&BTreeMap::new()).unwrap().is_none());
        assert_eq!(Replication.interval(&opts("3s")).unwrap(), Some(Duration::from_secs(3)));
        let e = Replication.interval(&opts("soon")).unwrap_err().to_string();
        assert!(e.starts_with("--interval"), "{e}");
    }

    #[test]
    fn a_blind_verdict_is_unknown_but_a_problem_stands() {
        let v = Verdict {
            blind: Some("cannot see".into()),
            ..Verdict::default()
        };
        assert_eq!(v.outcome().status, Status::Unknown);
        let mut v = Verdict {
            blind: Some("cannot see".into()),
            ..Verdict::default()
        };
        v.problem(Status::Critical, "replica_lag", "behind".into());
        let o = v.outcome();
        assert_eq!(o.status, Status::Critical);
        assert_eq!(o.facts.lead.as_deref(), Some("replica_lag"));
        assert_eq!(o.notes, vec!["cannot see".to_string()]);
    }
}
