//! The queries check: statements running too long, transactions open too long (even when idle
//! between statements), and sessions idle in a transaction. Each session is judged on all three
//! and listed once, worst first, with the reason.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow};

use super::{
    Check, CheckSpec, Context, Facts, ObservedSession, Outcome, Results, STEP_QUERY_MAX, Threshold, ThresholdKind,
    Thresholds, visibility_grant, vouch_for_hidden,
};
use crate::engine::{Param, Query};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::text::shorten;
use crate::units::human_seconds;

pub struct Queries;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const WARNING: Threshold = Threshold {
    key: "warning",
    kind: ThresholdKind::Duration,
    default: "1m",
    help: "WARNING when a statement has run, or a transaction been open, this long",
};

pub const CRITICAL: Threshold = Threshold {
    key: "critical",
    kind: ThresholdKind::Duration,
    default: "5m",
    help: "CRITICAL when a statement has run, or a transaction been open, this long",
};

pub const IDLE_WARNING: Threshold = Threshold {
    key: "idle_warning",
    kind: ThresholdKind::Duration,
    default: "1m",
    help: "WARNING when a session has sat idle inside a transaction this long",
};

pub const IDLE_CRITICAL: Threshold = Threshold {
    key: "idle_critical",
    kind: ThresholdKind::Duration,
    default: "10m",
    help: "CRITICAL when a session has sat idle inside a transaction this long",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "queries",
    about: "Long-running statements, long transactions and sessions idle in a transaction: who runs \
            them (pid, user, database, application, client), for how long, and what they wait on.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[WARNING, CRITICAL, IDLE_WARNING, IDLE_CRITICAL],
    options: &[],
    ordered: &[
        (WARNING.key, CRITICAL.key, "query duration"),
        (IDLE_WARNING.key, IDLE_CRITICAL.key, "idle-in-transaction"),
    ],
    default_limit: 10,
    steady: false,
    server_wide: true,
    placeholders: &[
        "pid",
        "user",
        "database",
        "application",
        "client",
        "state",
        "age",
        "query",
        "wait",
        "long_running",
        "long_transactions",
        "idle_in_transaction",
        "hidden",
        "xmin_pid",
        "xmin_age",
        "xmin_holder",
        "warning",
        "critical",
        "idle_warning",
        "idle_critical",
        "victims",
        "victim_blockers",
        "protected_pid",
        "protected_what",
        "protected_advice",
    ],
    item_placeholders: &[
        "reason",
        "session",
        "backend_start",
        "xact_start",
        "active_xact_start",
        "active_pid",
    ],
    conditions: &[
        "long_running",
        "long_transaction",
        "idle_in_transaction",
        "insufficient_privilege",
        "lock_victim",
        "protected_session",
        "xmin_held_without_session",
        "ordinary_role",
        "privileged_role",
        "running",
    ],
};

impl Check for Queries {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    /// Sessions past the lowest threshold asked for; `evaluate` decides which matter.
    fn queries(&self, ctx: &Context) -> Vec<Query> {
        let t = ctx.thresholds;
        let (run_min, idle_min) = (t.seconds(WARNING), t.seconds(IDLE_WARNING));
        match ctx.engine() {
            Engine::Mysql => vec![
                Query::new(
                    "reading the processlist and InnoDB transactions",
                    super::session_ref::uptime_from(ctx.server, include_str!("sql/mysql/activity.sql")),
                )
                .param(Param::Int(run_min.floor() as i64))
                .param(Param::Int(run_min.min(idle_min).floor() as i64))
                .or_without_privilege(include_str!("sql/mysql/activity_no_trx.sql")),
                Query::new(
                    "reading Threads_connected",
                    "SHOW GLOBAL STATUS LIKE 'Threads_connected'",
                ),
                Query::new(
                    "counting visible threads",
                    include_str!("sql/mysql/activity_totals.sql"),
                ),
            ],
            Engine::Postgres | Engine::Pgbouncer => vec![
                Query::new("reading pg_stat_activity", include_str!("sql/postgres/activity.sql"))
                    .param(Param::Float(run_min))
                    .param(Param::Float(idle_min)),
                Query::new("reading totals", include_str!("sql/postgres/activity_totals.sql")),
            ],
        }
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let sessions: Vec<ObservedSession> = results
            .rows(0)?
            .iter()
            .map(|r| ObservedSession::decode(&r))
            .collect::<Result<_>>()?;
        let mut snap = Snapshot {
            sessions,
            ..Snapshot::default()
        };
        if ctx.engine() == Engine::Mysql {
            if results.rows(0)?.fallback_used {
                snap.notes.push(
                    "open transactions are not shown: reading INNODB_TRX needs the PROCESS privilege \
                     (GRANT PROCESS ON *.* TO <this user>;)"
                        .into(),
                );
            }
            let connected = results.rows(1)?.first().map(|r| r.int(1)).transpose()?;
            let visible = results.rows(2)?.first().map(|r| r.int(0)).transpose()?.unwrap_or(0);
            let others = results.rows(2)?.first().map(|r| r.int(2)).transpose()?.unwrap_or(0);
            let sees_all = results.rows(2)?.first().map(|r| r.int(3)).transpose()?.unwrap_or(0);
            snap.hidden = if others > 0 || sees_all > 0 {
                0
            } else {
                connected.map(|n| (n - visible).max(0)).unwrap_or(0)
            };
            snap.account = results
                .rows(2)?
                .first()
                .map(|r| r.text(1))
                .transpose()?
                .unwrap_or_default();
        } else {
            let totals = results.rows(1)?;
            let t = totals.first().ok_or_else(|| anyhow!("no row from the totals"))?;
            snap.hidden = t.int(0)?;
            snap.oldest_xmin = t.opt_int(1)?.zip(t.opt_int(2)?);
            snap.xmin_holder = t.opt_text(4)?.zip(t.opt_int(5)?);
            snap.account = t.text(3)?;
        }
        Ok(evaluate(&snap, ctx.thresholds, ctx.engine(), ctx.limit))
    }
}

/// What the server showed: sessions past the lowest threshold, and what it hid.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    sessions: Vec<ObservedSession>,
    /// Sessions of other roles this role may not see (no pg_monitor / PROCESS).
    hidden: i64,
    /// Who the tool is on the server (`current_user`, MySQL `CURRENT_USER()`), for the GRANT.
    account: String,
    /// The session whose snapshot holds back vacuum the most: pid and xmin age.
    oldest_xmin: Option<(i64, i64)>,
    /// What holds back the xmin horizon the most, of any kind ("pid 42", "prepared
    /// transaction 'x'", "replication slot 'y'"), and by how many transactions.
    xmin_holder: Option<(String, i64)>,
    notes: Vec<String>,
}

fn grade(seconds: f64, t: &Thresholds, warning: Threshold, critical: Threshold) -> Status {
    super::grade(seconds, t.seconds(warning), t.seconds(critical))
}

/// One session judged: its worst severity, why, and the condition that describes it best.
struct Judged<'a> {
    session: &'a ObservedSession,
    severity: Status,
    condition: &'static str,
    reasons: Vec<String>,
    /// The age that made it worst, for sorting and for `{{age}}`.
    age: f64,
}

fn judge<'a>(s: &'a ObservedSession, t: &Thresholds) -> Option<Judged<'a>> {
    // In order of preference when severities tie: the most actionable description first.
    let mut candidates: Vec<(Status, &'static str, f64, String)> = Vec::new();
    if s.state.starts_with("idle in transaction")
        && let Some(idle) = s.state_seconds
    {
        let sev = grade(idle, t, IDLE_WARNING, IDLE_CRITICAL);
        candidates.push((
            sev,
            "idle_in_transaction",
            idle,
            format!("{} for {}", s.state, fmt(idle)),
        ));
    }
    if s.state == "active"
        && let Some(q) = s.query_seconds
    {
        let sev = grade(q, t, WARNING, CRITICAL);
        candidates.push((sev, "long_running", q, format!("statement running for {}", fmt(q))));
    }
    if let Some(x) = s.xact_seconds {
        let sev = grade(x, t, WARNING, CRITICAL);
        candidates.push((sev, "long_transaction", x, format!("transaction open for {}", fmt(x))));
    }
    candidates.retain(|c| c.0 != Status::Ok);
    let best = candidates
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (c.0, usize::MAX - i))?
        .1;
    Some(Judged {
        session: s,
        severity: best.0,
        condition: best.1,
        age: best.2,
        reasons: candidates.iter().map(|c| c.3.clone()).collect(),
    })
}

fn fmt(seconds: f64) -> String {
    human_seconds(seconds)
}

fn evaluate(snap: &Snapshot, t: &Thresholds, engine: Engine, limit: usize) -> Outcome {
    let mut judged: Vec<Judged> = snap.sessions.iter().filter_map(|s| judge(s, t)).collect();
    judged.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.age.total_cmp(&a.age)));
    let status = judged.first().map(|j| j.severity).unwrap_or(Status::Ok);

    let over =
        |get: fn(&ObservedSession) -> Option<f64>, only: fn(&ObservedSession) -> bool, w: Duration| -> (usize, f64) {
            let ages: Vec<f64> = snap
                .sessions
                .iter()
                .filter(|s| only(s))
                .filter_map(get)
                .filter(|a| *a >= w.as_secs_f64())
                .collect();
            (ages.len(), ages.iter().copied().fold(0.0, f64::max))
        };
    let (warning, critical) = (t.duration(WARNING), t.duration(CRITICAL));
    let (idle_warning, idle_critical) = (t.duration(IDLE_WARNING), t.duration(IDLE_CRITICAL));
    let (n_running, longest_running) = over(|s| s.query_seconds, |s| s.state == "active", warning);
    let (n_xact, longest_xact) = over(|s| s.xact_seconds, |_| true, warning);
    let (n_idle, longest_idle) = over(
        |s| s.state_seconds,
        |s| s.state.starts_with("idle in transaction"),
        idle_warning,
    );

    let secs = |d: Duration| d.as_secs_f64();
    let mut metrics = vec![
        Metric::new("long_running", n_running as f64, Unit::Count),
        Metric::new("long_transactions", n_xact as f64, Unit::Count),
        Metric::new("idle_in_transaction", n_idle as f64, Unit::Count),
        Metric::new("longest_query", longest_running.round(), Unit::Seconds).thresholds(secs(warning), secs(critical)),
        Metric::new("longest_transaction", longest_xact.round(), Unit::Seconds)
            .thresholds(secs(warning), secs(critical)),
        Metric::new("longest_idle_in_transaction", longest_idle.round(), Unit::Seconds)
            .thresholds(secs(idle_warning), secs(idle_critical)),
    ];
    let mut facts = Facts::default();
    let horizon_note = horizon(snap, &mut metrics, &mut facts);

    let findings = session_findings(&judged, engine, limit, &mut facts);
    session_facts(&mut facts, &judged);
    facts.set("long_running", n_running);
    facts.set("long_transactions", n_xact);
    facts.set("idle_in_transaction", n_idle);
    facts.set("hidden", snap.hidden);
    for threshold in [WARNING, CRITICAL, IDLE_WARNING, IDLE_CRITICAL] {
        facts.set(threshold.key, t.shown(threshold));
    }

    let mut notes = snap.notes.clone();
    notes.extend(horizon_note);
    let grant = visibility_grant(engine, &snap.account);
    if snap.hidden > 0 {
        notes.push(format!(
            "{} sessions of other users are hidden from this user: their statements could not be judged. \
             Let it see them with: {grant}",
            snap.hidden
        ));
    }
    if judged.len() > limit {
        notes.push(format!(
            "showing the worst {limit} of {} sessions (--limit)",
            judged.len()
        ));
    }
    let summary = summarize(&judged, (n_running, n_xact, n_idle), t);
    let mut outcome = Outcome {
        status,
        summary,
        metrics,
        findings,
        notes,
        facts,
    };
    vouch_for_hidden(&mut outcome, snap.hidden, &grant);
    outcome
}

/// What holds back the xmin horizon: a metric, facts, and a note when no session does.
fn horizon(snap: &Snapshot, metrics: &mut Vec<Metric>, facts: &mut Facts) -> Option<String> {
    if let Some((pid, age)) = snap.oldest_xmin {
        facts.set("xmin_pid", pid);
        facts.set("xmin_age", age);
    }
    let mut horizon_note = None;
    if let Some((holder, age)) = &snap.xmin_holder {
        metrics.push(Metric::new("oldest_xmin_age", *age as f64, Unit::Count));
        facts.set("xmin_holder", holder);
        facts.set("xmin_age", age);
        if !holder.starts_with("pid ") {
            // No session to blame: a prepared transaction or a slot holds vacuum back.
            facts.flag("xmin_held_without_session");
            horizon_note = Some(format!(
                "vacuum is held back {age} transactions by {holder}, which no session shows: ending sessions \
                 will not release it"
            ));
        }
    }
    horizon_note
}

/// The worst sessions, up to the limit: a finding each, and an item for the runbook's `each`
/// steps for every one that may be ended.
fn session_findings(judged: &[Judged], engine: Engine, limit: usize, facts: &mut Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for j in judged.iter().take(limit) {
        let s = j.session;
        let mut f = Finding::new("sessions")
            .with("pid", s.pid)
            .with("session", s.reference.clone())
            .with("severity", j.severity.name())
            .with("reason", j.reasons.join("; "))
            .with("state", s.state.as_str())
            .with("user", s.user.as_str())
            .with("database", s.database.as_str());
        if engine != Engine::Mysql {
            f = f.with("application", s.application());
        }
        f = f
            .with("client", s.client.as_str())
            .with("running_for", s.query_seconds.filter(|_| s.state == "active").map(fmt))
            .with("transaction_for", s.xact_seconds.map(fmt))
            .with("wait", s.wait.clone())
            .with("lock_victim", s.waits_on_lock())
            .with("blocked_by", serde_json::Value::from(s.blocked_by.clone()))
            .with("query", s.query.as_str());
        findings.push(f);
        // A session waiting on a lock gets no cancel or terminate step of its own: ending it
        // frees nothing, and the next waiter takes its place.
        if !s.waits_on_lock() && s.protected().is_none() {
            let mut item = session_values(s, j);
            item.insert("reason".into(), j.reasons.join("; "));
            item.extend(super::session_ref::step_values(s));
            facts.items.push(item);
        }
    }
    findings
}

/// Conditions and placeholders from the judged sessions: a protected one, lock victims and
/// their blockers, the worst session (which leads the runbook).
fn session_facts(facts: &mut Facts, judged: &[Judged]) {
    if let Some((s, p)) = judged
        .iter()
        .find_map(|j| j.session.protected().map(|p| (j.session, p)))
    {
        facts.flag("protected_session");
        facts.set("protected_pid", s.pid);
        facts.set("protected_what", p.what);
        facts.set("protected_advice", p.advice);
    }
    let victims: Vec<&ObservedSession> = judged.iter().map(|j| j.session).filter(|s| s.waits_on_lock()).collect();
    if !victims.is_empty() {
        facts.flag("lock_victim");
        facts.set("victims", victims.len());
        let mut blockers: Vec<i64> = victims.iter().flat_map(|s| s.blocked_by.iter().copied()).collect();
        blockers.sort_unstable();
        blockers.dedup();
        facts.set(
            "victim_blockers",
            if blockers.is_empty() {
                "sessions dbrunbook locks will name".to_string()
            } else {
                blockers
                    .iter()
                    .map(|p| format!("pid {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
    }
    if let Some(worst) = judged.first() {
        match worst.session.privileged_role {
            Some(true) => facts.flag("privileged_role"),
            Some(false) => facts.flag("ordinary_role"),
            None => {}
        }
        facts.values.extend(session_values(worst.session, worst));
        facts.lead = Some(worst.condition.to_string());
        // Only a session running a statement has a plan to show (MariaDB's SHOW EXPLAIN FOR
        // on an idle thread is ERROR 1933).
        if worst.session.state == "active" {
            facts.flag("running");
        }
    }
    for j in judged {
        facts.flag(j.condition);
    }
}

fn session_values(s: &ObservedSession, j: &Judged) -> BTreeMap<String, String> {
    [
        ("pid", s.pid.to_string()),
        ("user", s.user.clone()),
        ("database", s.database.clone()),
        ("application", s.application().to_string()),
        ("client", s.client.clone()),
        ("state", s.state.clone()),
        ("age", fmt(j.age)),
        ("query", shorten(&s.query, STEP_QUERY_MAX)),
        ("wait", s.wait.clone().unwrap_or_else(|| "nothing".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn summarize(judged: &[Judged], (n_running, n_xact, n_idle): (usize, usize, usize), t: &Thresholds) -> String {
    let Some(worst) = judged.first() else {
        return format!(
            "no statement or transaction older than {}, no session idle in transaction longer than {}",
            t.shown(WARNING),
            t.shown(IDLE_WARNING)
        );
    };
    let mut parts = Vec::new();
    if n_running > 0 {
        parts.push(format!(
            "{n_running} statement(s) running longer than {}",
            t.shown(WARNING)
        ));
    }
    if n_xact > 0 {
        parts.push(format!("{n_xact} transaction(s) open longer than {}", t.shown(WARNING)));
    }
    if n_idle > 0 {
        parts.push(format!(
            "{n_idle} session(s) idle in transaction longer than {}",
            t.shown(IDLE_WARNING)
        ));
    }
    let victim = if worst.session.waits_on_lock() {
        ", waiting on a lock: run dbrunbook locks for the root"
    } else {
        ""
    };
    format!(
        "{}; worst: pid {} ({}, {}{victim})",
        parts.join(", "),
        worst.session.pid,
        worst.session.user,
        worst.reasons.first().cloned().unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Thresholds {
        Thresholds::resolve(&SPEC, &BTreeMap::new(), &BTreeMap::new()).unwrap()
    }

    fn session(pid: i64, state: &str, query: Option<f64>, xact: Option<f64>, since: Option<f64>) -> ObservedSession {
        ObservedSession {
            pid,
            user: "app".into(),
            state: state.into(),
            query: "select 1".into(),
            query_seconds: query,
            xact_seconds: xact,
            state_seconds: since,
            ..ObservedSession::default()
        }
    }

    #[test]
    fn worst_first_with_the_most_actionable_reason() {
        let snap = Snapshot {
            sessions: vec![
                session(1, "active", Some(90.0), Some(90.0), Some(90.0)),
                session(2, "idle in transaction", Some(700.0), Some(700.0), Some(650.0)),
                session(3, "active", Some(5.0), Some(5.0), Some(5.0)),
                session(4, "idle", None, None, Some(9999.0)),
            ],
            ..Snapshot::default()
        };
        let o = evaluate(&snap, &t(), Engine::Postgres, 10);
        assert_eq!(o.status, Status::Critical);
        let pids: Vec<_> = o.findings.iter().map(|f| f.fields["pid"].as_i64().unwrap()).collect();
        assert_eq!(pids, vec![2, 1], "idle sessions and short statements are not findings");
        assert_eq!(o.facts.lead.as_deref(), Some("idle_in_transaction"));
        assert_eq!(o.facts.values["pid"], "2");
        assert!(o.summary.contains("worst: pid 2"), "{}", o.summary);
    }

    #[test]
    fn long_transaction_idle_between_statements_is_caught() {
        // Idle in transaction for only 10s, but the transaction has been open for 6 minutes.
        let snap = Snapshot {
            sessions: vec![session(7, "idle in transaction", Some(10.0), Some(360.0), Some(10.0))],
            ..Snapshot::default()
        };
        let o = evaluate(&snap, &t(), Engine::Postgres, 10);
        assert_eq!(o.status, Status::Critical);
        assert_eq!(o.facts.lead.as_deref(), Some("long_transaction"));
    }

    #[test]
    fn limit_cuts_rows_not_counts() {
        let sessions = (0..5)
            .map(|i| session(i, "active", Some(100.0 + i as f64), Some(100.0), Some(100.0)))
            .collect();
        let o = evaluate(
            &Snapshot {
                sessions,
                ..Default::default()
            },
            &t(),
            Engine::Mysql,
            2,
        );
        assert_eq!(o.findings.len(), 2);
        assert_eq!(o.metrics[0].value, 5.0);
        assert!(o.notes.iter().any(|n| n.contains("worst 2 of 5")));
    }
}
