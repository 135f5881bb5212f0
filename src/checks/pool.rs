//! The pool check: connections used against what the server (or PgBouncer) allows, who holds
//! them, and the verdict. A server that refuses the tool's own connection for lack of slots is
//! the case this check exists for: that is CRITICAL, not UNKNOWN.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;

use super::{CheckSpec, Outcome, ThresholdKind, duration_threshold, ordered, percent_threshold};
use crate::engine::rows::{BouncerPools, ServerPool};
use crate::engine::{ConnectError, PoolSnapshot};
use crate::report::{Finding, Metric, Status};
use crate::runbook::Facts;
use crate::target::Engine;
use crate::units::{Percent, format_duration};

pub const SPEC: CheckSpec = CheckSpec {
    name: "pool",
    placeholders: &[
        "used",
        "usable",
        "max_connections",
        "reserved",
        "percent",
        "top_database",
        "top_user",
        "top_application",
        "top_client",
        "top_count",
        "idle_tx_pid",
        "idle_tx_user",
        "idle_tx_database",
        "idle_tx_application",
        "idle_tx_client",
        "idle_tx_age",
        "clients",
        "max_client_conn",
        "waiting_clients",
        "waiting_database",
        "waiting_user",
        "waiting_pool_size",
        "maxwait",
    ],
    item_placeholders: &[],
    conditions: &["refused", "near_limit", "idle_in_transaction", "clients_waiting"],
    thresholds: &[
        ("warning", ThresholdKind::Percent),
        ("critical", ThresholdKind::Percent),
        ("wait_warning", ThresholdKind::Duration),
        ("wait_critical", ThresholdKind::Duration),
    ],
};

#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub warning: Percent,
    pub critical: Percent,
    /// PgBouncer: how long a client may wait for a server connection.
    pub wait_warning: Duration,
    pub wait_critical: Duration,
}

/// Threshold flags as typed; `None` means "use the runbook's default".
#[derive(Debug, Clone, Copy, Default)]
pub struct ThresholdFlags {
    pub warning: Option<Percent>,
    pub critical: Option<Percent>,
    pub wait_warning: Option<Duration>,
    pub wait_critical: Option<Duration>,
}

impl Thresholds {
    pub fn resolve(flags: &ThresholdFlags, defaults: &BTreeMap<String, String>) -> Result<Thresholds> {
        let t = Thresholds {
            warning: percent_threshold(flags.warning, defaults, "warning", 80.0)?,
            critical: percent_threshold(flags.critical, defaults, "critical", 95.0)?,
            wait_warning: duration_threshold(flags.wait_warning, defaults, "wait_warning", Duration::from_secs(1))?,
            wait_critical: duration_threshold(flags.wait_critical, defaults, "wait_critical", Duration::from_secs(10))?,
        };
        ordered(
            t.warning,
            t.critical,
            t.warning.to_string(),
            t.critical.to_string(),
            "connection usage",
        )?;
        ordered(
            t.wait_warning,
            t.wait_critical,
            format_duration(t.wait_warning),
            format_duration(t.wait_critical),
            "client wait",
        )?;
        Ok(t)
    }

    fn by_percent(&self, pct: f64) -> Status {
        if pct >= self.critical.0 {
            Status::Critical
        } else if pct >= self.warning.0 {
            Status::Warning
        } else {
            Status::Ok
        }
    }
}

pub fn evaluate(snapshot: &PoolSnapshot, t: &Thresholds, engine: Engine) -> Outcome {
    match snapshot {
        PoolSnapshot::Server(s) => evaluate_server(s, t, engine),
        PoolSnapshot::Bouncer(b) => evaluate_bouncer(b, t),
    }
}

/// The tool's own connection was refused for lack of slots: the pool is exhausted.
pub fn refused(err: &ConnectError, engine: Engine) -> Outcome {
    let mut facts = Facts::default();
    facts.flag("refused");
    facts.flag("near_limit");
    let what = if engine == Engine::Pgbouncer {
        "PgBouncer"
    } else {
        "the server"
    };
    Outcome {
        status: Status::Critical,
        summary: format!("{what} refused a new connection: every slot is taken ({})", err.message),
        metrics: vec![],
        findings: vec![],
        notes: vec!["dbrunbook could not get in to count connections; the refusal itself is the finding".into()],
        facts,
    }
}

fn evaluate_server(s: &ServerPool, t: &Thresholds, engine: Engine) -> Outcome {
    let usable = s.max_connections - s.reserved;
    let mut facts = Facts::default();
    if usable <= 0 {
        let mut o = Outcome::unknown(format!(
            "max_connections ({}) leaves no usable slots after {} reserved ones",
            s.max_connections, s.reserved
        ));
        o.notes = s.notes.clone();
        return o;
    }
    let pct = s.used as f64 * 100.0 / usable as f64;
    let status = t.by_percent(pct);
    let at = |p: Percent| (usable as f64 * p.0 / 100.0).ceil();
    let mut metrics = vec![
        Metric::new("connections", s.used as f64, "")
            .thresholds(at(t.warning), at(t.critical))
            .range(0.0, usable as f64),
        Metric::new("usage", (pct * 10.0).round() / 10.0, "%")
            .thresholds(t.warning.0, t.critical.0)
            .range(0.0, 100.0),
        Metric::new("max_connections", s.max_connections as f64, ""),
    ];
    if s.reserved > 0 {
        metrics.push(Metric::new("reserved_connections", s.reserved as f64, ""));
    }
    if let Some(n) = s.lock_waiting {
        metrics.push(Metric::new("lock_waiting", n as f64, ""));
    }
    for (name, value, unit) in &s.counters {
        metrics.push(Metric::new(name, *value, unit));
    }
    let idle_in_tx: i64 = s.holders.iter().map(|h| h.idle_in_transaction).sum();
    metrics.push(Metric::new("idle_in_transaction", idle_in_tx as f64, ""));

    let mut findings: Vec<Finding> = s
        .by_state
        .iter()
        .map(|(state, n)| {
            Finding::new("states")
                .with("state", state.as_str())
                .with("connections", *n)
        })
        .collect();
    let mysql = engine == Engine::Mysql;
    for h in &s.holders {
        let mut f = Finding::new("top_holders")
            .with("database", h.database.as_str())
            .with("user", h.user.as_str());
        if !mysql {
            f = f.with("application", h.application.as_str());
        }
        findings.push(
            f.with("client", h.client.as_str())
                .with("connections", h.connections)
                .with("active", h.active)
                .with("idle", h.idle)
                .with("idle_in_transaction", h.idle_in_transaction),
        );
    }
    if let Some(top) = s.holders.first() {
        facts.set("top_database", &top.database);
        facts.set("top_user", &top.user);
        facts.set("top_application", &top.application);
        facts.set("top_client", &top.client);
        facts.set("top_count", top.connections);
    }
    let mut summary = format!("{} of {} usable connections used ({:.0}%)", s.used, usable, pct);
    if s.reserved > 0 {
        summary.push_str(&format!(", {} more reserved for superusers", s.reserved));
    }
    if let Some(tx) = &s.oldest_idle_in_transaction {
        let age = format_duration(Duration::from_secs_f64(tx.seconds.max(0.0)));
        metrics.push(Metric::new("oldest_idle_in_transaction", tx.seconds.round(), "s"));
        findings.push(
            Finding::new("oldest_idle_transaction")
                .with("pid", tx.pid)
                .with("user", tx.user.as_str())
                .with("database", tx.database.as_str())
                .with("application", tx.application.as_str())
                .with("client", tx.client.as_str())
                .with("idle_for", age.as_str()),
        );
        facts.set("idle_tx_pid", tx.pid);
        facts.set("idle_tx_user", &tx.user);
        facts.set("idle_tx_database", &tx.database);
        facts.set("idle_tx_application", &tx.application);
        facts.set("idle_tx_client", &tx.client);
        facts.set("idle_tx_age", &age);
        facts.flag("idle_in_transaction");
        summary.push_str(&format!(
            "; {idle_in_tx} idle in transaction, the oldest for {age} (pid {})",
            tx.pid
        ));
    }
    facts.set("used", s.used);
    facts.set("usable", usable);
    facts.set("max_connections", s.max_connections);
    facts.set("reserved", s.reserved);
    facts.set("percent", format!("{pct:.0}"));
    if status != Status::Ok {
        facts.flag("near_limit");
    }
    Outcome {
        status,
        summary,
        metrics,
        findings,
        notes: s.notes.clone(),
        facts,
    }
}

fn evaluate_bouncer(b: &BouncerPools, t: &Thresholds) -> Outcome {
    let mut facts = Facts::default();
    let clients: i64 = b.pools.iter().map(|p| p.cl_active + p.cl_waiting).sum();
    let waiting: i64 = b.pools.iter().map(|p| p.cl_waiting).sum();
    let pct = if b.max_client_conn > 0 {
        clients as f64 * 100.0 / b.max_client_conn as f64
    } else {
        0.0
    };
    let mut status = t.by_percent(pct);
    let mut pools = b.pools.clone();
    pools.sort_by(|a, b| {
        b.maxwait_seconds
            .total_cmp(&a.maxwait_seconds)
            .then(b.cl_waiting.cmp(&a.cl_waiting))
    });
    let mut findings = Vec::new();
    for p in &pools {
        let servers = p.sv_active + p.sv_idle + p.sv_used;
        findings.push(
            Finding::new("pools")
                .with("database", p.database.as_str())
                .with("user", p.user.as_str())
                .with("mode", p.pool_mode.as_str())
                .with("cl_active", p.cl_active)
                .with("cl_waiting", p.cl_waiting)
                .with("sv_active", p.sv_active)
                .with("sv_idle", p.sv_idle)
                .with("servers", servers)
                .with("pool_size", p.pool_size)
                .with("maxwait_s", (p.maxwait_seconds * 1000.0).round() / 1000.0),
        );
    }
    let worst_wait = pools.first().map(|p| p.maxwait_seconds).unwrap_or(0.0);
    if waiting > 0 {
        let wait_status = if worst_wait >= t.wait_critical.as_secs_f64() {
            Status::Critical
        } else if worst_wait >= t.wait_warning.as_secs_f64() {
            Status::Warning
        } else {
            Status::Ok
        };
        status = status.worst(wait_status);
    }
    let mut summary = format!("{clients} of {} client connections ({pct:.0}%)", b.max_client_conn);
    if waiting > 0 {
        let p = &pools[0];
        summary.push_str(&format!(
            "; {waiting} clients waiting for a server connection, the longest {:.1}s in pool {}/{} (pool_size {})",
            worst_wait, p.database, p.user, p.pool_size
        ));
        facts.flag("clients_waiting");
        facts.set("waiting_database", &p.database);
        facts.set("waiting_user", &p.user);
        facts.set("waiting_pool_size", p.pool_size);
        facts.set("maxwait", format!("{worst_wait:.1}s"));
    } else {
        summary.push_str("; no client is waiting");
    }
    facts.set("clients", clients);
    facts.set("max_client_conn", b.max_client_conn);
    facts.set("waiting_clients", waiting);
    facts.set("percent", format!("{pct:.0}"));
    if status != Status::Ok {
        facts.flag("near_limit");
    }
    let metrics = vec![
        Metric::new("clients", clients as f64, "").range(0.0, b.max_client_conn as f64),
        Metric::new("client_usage", (pct * 10.0).round() / 10.0, "%")
            .thresholds(t.warning.0, t.critical.0)
            .range(0.0, 100.0),
        Metric::new("clients_waiting", waiting as f64, ""),
        Metric::new("maxwait", (worst_wait * 1000.0).round() / 1000.0, "s")
            .thresholds(t.wait_warning.as_secs_f64(), t.wait_critical.as_secs_f64()),
    ];
    Outcome {
        status,
        summary,
        metrics,
        findings,
        notes: vec![],
        facts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rows::{BouncerPool, Holder};

    fn thresholds() -> Thresholds {
        Thresholds::resolve(&ThresholdFlags::default(), &BTreeMap::new()).unwrap()
    }

    fn server(used: i64) -> PoolSnapshot {
        PoolSnapshot::Server(Box::new(ServerPool {
            max_connections: 103,
            reserved: 3,
            used,
            holders: vec![Holder {
                database: "app".into(),
                user: "web".into(),
                connections: used,
                ..Holder::default()
            }],
            lock_waiting: Some(0),
            ..ServerPool::default()
        }))
    }

    #[test]
    fn usage_against_usable_slots() {
        let t = thresholds();
        assert_eq!(evaluate(&server(79), &t, Engine::Postgres).status, Status::Ok);
        let o = evaluate(&server(87), &t, Engine::Postgres);
        assert_eq!(o.status, Status::Warning);
        assert!(
            o.summary.starts_with("87 of 100 usable connections used (87%)"),
            "{}",
            o.summary
        );
        assert_eq!(
            o.metrics[0],
            Metric::new("connections", 87.0, "")
                .thresholds(80.0, 95.0)
                .range(0.0, 100.0)
        );
        assert_eq!(evaluate(&server(95), &t, Engine::Postgres).status, Status::Critical);
        assert_eq!(o.facts.values["top_user"], "web");
    }

    #[test]
    fn flags_beat_runbook_defaults_and_order_is_checked() {
        let defaults: BTreeMap<String, String> = [("warning".to_string(), "50%".to_string())].into();
        let t = Thresholds::resolve(&ThresholdFlags::default(), &defaults).unwrap();
        assert_eq!(t.warning, Percent(50.0));
        let flags = ThresholdFlags {
            warning: Some(Percent(70.0)),
            ..Default::default()
        };
        assert_eq!(Thresholds::resolve(&flags, &defaults).unwrap().warning, Percent(70.0));
        let flags = ThresholdFlags {
            warning: Some(Percent(99.0)),
            critical: Some(Percent(90.0)),
            ..Default::default()
        };
        assert!(
            Thresholds::resolve(&flags, &defaults)
                .unwrap_err()
                .to_string()
                .contains("above the critical")
        );
    }

    #[test]
    fn bouncer_waiting_clients_drive_the_status() {
        let pool = |cl_waiting, maxwait_seconds| BouncerPool {
            database: "app".into(),
            user: "web".into(),
            cl_active: 5,
            cl_waiting,
            pool_size: 5,
            sv_active: 5,
            maxwait_seconds,
            ..BouncerPool::default()
        };
        let t = thresholds();
        let snap = |p| {
            PoolSnapshot::Bouncer(BouncerPools {
                max_client_conn: 100,
                pools: vec![p],
            })
        };
        assert_eq!(evaluate(&snap(pool(0, 0.0)), &t, Engine::Pgbouncer).status, Status::Ok);
        assert_eq!(
            evaluate(&snap(pool(3, 2.0)), &t, Engine::Pgbouncer).status,
            Status::Warning
        );
        let o = evaluate(&snap(pool(3, 12.0)), &t, Engine::Pgbouncer);
        assert_eq!(o.status, Status::Critical);
        assert!(o.facts.conditions.contains("clients_waiting"));
    }
}
