//! The locks check: every waiting session and what it waits for, built into trees from the root
//! blockers down, so the session to deal with first is obvious. Status from the longest wait
//! and the number of blocked sessions. MySQL's rows are assembled into the same nodes in `mysql`;
//! deadlocks, a storm of them being an incident of its own, are judged in `deadlocks`.

mod deadlocks;
mod mysql;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::{Result, anyhow};
use serde_json::Value;

use super::{
    Check, CheckOption, CheckSpec, Context, Facts, ObservedSession, Outcome, Results, STEP_QUERY_MAX, Threshold,
    ThresholdKind, Thresholds, grade, visibility_grant,
};
use crate::engine::Query;
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::text::{is_ddl, shorten};
use crate::units::human_seconds;

pub struct Locks;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const WARNING: Threshold = Threshold {
    key: "warning",
    kind: ThresholdKind::Duration,
    default: "10s",
    help: "WARNING when a session has waited this long for a lock",
};

pub const CRITICAL: Threshold = Threshold {
    key: "critical",
    kind: ThresholdKind::Duration,
    default: "60s",
    help: "CRITICAL when a session has waited this long for a lock",
};

pub const BLOCKED_CRITICAL: Threshold = Threshold {
    key: "blocked_critical",
    kind: ThresholdKind::Count,
    default: "5",
    help: "CRITICAL when this many sessions are blocked, however short the waits",
};

pub const DEADLOCKS_WARNING: Threshold = Threshold {
    key: "deadlocks_warning",
    kind: ThresholdKind::Count,
    default: "1",
    help: "WARNING when deadlocks repeat this many times a minute or more (two or more in the window measured)",
};

pub const DEADLOCKS_CRITICAL: Threshold = Threshold {
    key: "deadlocks_critical",
    kind: ThresholdKind::Count,
    default: "30",
    help: "CRITICAL when deadlocks repeat this many times a minute or more",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "locks",
    about: "Lock contention: who waits for whom, as trees from the root blockers down; metadata locks \
            on MySQL; deadlocks; the lock settings that decide how waits end.",
    engines: &[Engine::Postgres, Engine::Mysql],
    thresholds: &[
        WARNING,
        CRITICAL,
        BLOCKED_CRITICAL,
        DEADLOCKS_WARNING,
        DEADLOCKS_CRITICAL,
    ],
    options: &[CheckOption {
        key: "interval",
        value_name: "DURATION",
        help: "Read the deadlock counter twice this far apart, for a rate over that window (below --timeout)",
        repeatable: false,
    }],
    ordered: &[
        (WARNING.key, CRITICAL.key, "lock wait"),
        (DEADLOCKS_WARNING.key, DEADLOCKS_CRITICAL.key, "deadlocks per minute"),
    ],
    default_limit: 50,
    steady: false,
    server_wide: true,
    placeholders: &[
        "root_pid",
        "root_user",
        "root_database",
        "root_application",
        "root_client",
        "root_state",
        "root_query",
        "root_xact_age",
        "blocked",
        "longest_wait",
        "waiting_pid",
        "waiting_query",
        "waiting_backend_start",
        "lock",
        "deadlocks",
        "deadlocks_in_window",
        "deadlock_rate",
        "deadlock_window",
        "deadlock_at",
        "deadlock_statement_1",
        "deadlock_statement_2",
        "deadlock_tables",
        "source",
        "warning",
        "critical",
        "protected_pid",
        "protected_what",
        "protected_advice",
        "prepared_gid",
        "prepared_owner",
        "prepared_database",
        "prepared_age",
    ],
    item_placeholders: &[
        "pid",
        "user",
        "state",
        "query",
        "blocking",
        "session",
        "backend_start",
        "xact_start",
        "active_xact_start",
        "active_pid",
    ],
    conditions: &[
        "protected_root",
        "prepared_root",
        "lock_waits",
        "root_idle_in_transaction",
        "ddl_waiting",
        "metadata_lock",
        "inferred",
        "deadlocks",
        "deadlock_storm",
        "deadlock_latest",
        "deadlock_logging_off",
    ],
};

impl Check for Locks {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        match ctx.engine() {
            Engine::Mysql => mysql::queries(ctx.server),
            Engine::Postgres | Engine::Pgbouncer => vec![
                Query::new(
                    "reading lock settings",
                    include_str!("../sql/postgres/lock_settings.sql"),
                ),
                Query::new(
                    "counting sessions hidden from this role",
                    include_str!("../sql/postgres/activity_totals.sql"),
                ),
            ],
        }
    }

    /// The lock tree, only when the first batch saw a lock waited for: on a healthy server
    /// the run never plans the costliest statement it has. With `--interval` always, since the
    /// second snapshot repeats the first's follow-ups and a wait may begin in between.
    fn follow_up(&self, ctx: &Context, results: &Results) -> Vec<Query> {
        let waiting = |r: &Results| -> Option<bool> {
            if ctx.option("interval").is_some() {
                return None;
            }
            let v = r.rows(0).ok()?.first()?.text_named("waiting").ok()??;
            Some(matches!(v.as_str(), "on" | "t" | "true"))
        };
        match ctx.engine() {
            Engine::Mysql => Vec::new(),
            Engine::Postgres | Engine::Pgbouncer if waiting(results) != Some(false) => {
                vec![if ctx.server.version_num >= 140000 {
                    Query::new("reading lock waits", include_str!("../sql/postgres/locks.sql"))
                } else {
                    Query::new("reading lock waits", include_str!("../sql/postgres/locks_pre14.sql"))
                }]
            }
            Engine::Postgres | Engine::Pgbouncer => Vec::new(),
        }
    }

    fn interval(&self, options: &BTreeMap<String, Vec<String>>) -> Result<Option<Duration>> {
        super::interval_option(options)
    }

    /// The lock trees of the last snapshot; the deadlock rate from both, or from the previous run.
    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        let read = |results: &Results| match ctx.engine() {
            Engine::Mysql => mysql::snapshot(ctx.server, results),
            Engine::Postgres | Engine::Pgbouncer => postgres_snapshot(results),
        };
        let first = read(&results.first())?;
        let second = results.second().map(|r| read(&r)).transpose()?;
        let last = second.as_ref().unwrap_or(&first);
        let mut outcome = evaluate(last, ctx.thresholds, ctx.engine(), ctx.limit);
        if let Some(counter) = &last.counter {
            let rate = deadlocks::measure(
                first.counter.as_ref().unwrap_or(counter),
                second.as_ref().and_then(|s| s.counter.as_ref()),
                ctx.memory,
                crate::memory::now(),
            );
            deadlock_verdict(&mut outcome, counter, rate.as_ref(), last, ctx.thresholds);
        }
        Ok(outcome)
    }
}

/// Folds the deadlock verdict into the locks outcome: worst status wins, and a storm leads the
/// runbook unless the lock waits are worse.
fn deadlock_verdict(
    outcome: &mut Outcome,
    counter: &deadlocks::Counter,
    rate: Option<&deadlocks::Rate>,
    snap: &LockSnapshot,
    t: &Thresholds,
) {
    let v = deadlocks::judge(
        counter,
        rate,
        snap.latest_deadlock.as_ref(),
        t,
        &mut outcome.facts,
        &mut outcome.metrics,
    );
    outcome.notes.extend(v.notes);
    let logging_off = snap.settings.iter().any(|(name, value)| {
        matches!(
            (name.as_str(), value.as_str()),
            ("log_lock_waits", "off") | ("innodb_print_all_deadlocks", "0" | "OFF")
        )
    });
    if logging_off {
        outcome.facts.flag("deadlock_logging_off");
    }
    let Some(sentence) = v.sentence else {
        return;
    };
    if v.status >= outcome.status {
        outcome.facts.lead = Some("deadlock_storm".into());
    }
    outcome.summary = if outcome.status == Status::Ok {
        sentence
    } else {
        format!("{}; {sentence}", outcome.summary)
    };
    outcome.status = outcome.status.worst(v.status);
}

/// A session in a lock chain: waiting, blocking, or both.
#[derive(Debug, Clone, Default)]
struct LockNode {
    /// The session; `s.blocked_by` are the sessions it waits for (empty for a root blocker).
    s: ObservedSession,
    /// How long it has waited for its lock.
    waiting_seconds: Option<f64>,
    /// The lock it waits for: mode and object (`AccessExclusiveLock on orders`, `metadata lock`).
    lock: Option<String>,
    /// True when `blocked_by` is inferred rather than read from the server (MySQL metadata locks
    /// without performance_schema).
    inferred: bool,
    /// A prepared transaction (two-phase commit) holding locks with no session: its gid. Its
    /// `s.pid` is the negative of its transaction ID, a key for the tree only.
    gid: Option<String>,
}

impl LockNode {
    /// How the tree and the summary name it: a pid, or the prepared transaction.
    fn name(&self) -> String {
        match &self.gid {
            Some(gid) => format!("prepared transaction '{gid}'"),
            None => format!("pid {}", self.s.pid),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct LockSnapshot {
    nodes: Vec<LockNode>,
    /// Where the waits were read from, in the user's words.
    source: String,
    /// The deadlock counter and what makes a rate of it.
    counter: Option<deadlocks::Counter>,
    /// Lock-related settings worth a look: name and value.
    settings: Vec<(String, String)>,
    /// The latest deadlock InnoDB detected: when, the statements and tables involved.
    latest_deadlock: Option<deadlocks::Latest>,
    notes: Vec<String>,
    /// Sessions of other roles this role cannot see (PostgreSQL without pg_monitor), and who
    /// the tool is, for the GRANT. MySQL without PROCESS cannot read the processlist at all.
    hidden: i64,
    account: String,
}

fn postgres_snapshot(results: &Results) -> Result<LockSnapshot> {
    let mut out = LockSnapshot {
        source: "pg_stat_activity, pg_blocking_pids(), pg_locks".into(),
        ..Default::default()
    };
    // The tree came as a follow-up (index 2) only when a lock was waited for.
    if results.get(2).is_some() {
        for row in results.rows(2)?.iter() {
            out.nodes.push(LockNode {
                s: ObservedSession::decode(&row)?,
                gid: row.text_named("gid")?,
                waiting_seconds: row.float_named("waiting_seconds")?,
                lock: row.text_named("lock")?,
                inferred: false,
            });
        }
    }
    let settings = results.rows(0)?;
    let s = settings
        .first()
        .ok_or_else(|| anyhow!("no row from the lock settings"))?;
    for (i, name) in [(1, "log_lock_waits"), (2, "deadlock_timeout"), (3, "lock_timeout")] {
        out.settings.push((name.to_string(), s.text(i)?));
    }
    let started = s.float_named("started_epoch")?;
    out.counter = Some(deadlocks::Counter {
        count: s.int(0)?,
        now: s.float_named("now_epoch")?.unwrap_or(0.0),
        since: s
            .float_named("counting_since")?
            .map(|at| (at, "since the statistics were reset".to_string())),
        started,
    });
    if let Some(t) = results.rows(1)?.first() {
        out.hidden = t.int(0)?;
        out.account = t.text(3)?;
    }
    Ok(out)
}

fn fmt(seconds: f64) -> String {
    human_seconds(seconds)
}

/// The trees: each root blocker followed by the sessions waiting on it, depth-first.
struct Tree<'a> {
    rows: Vec<(usize, &'a LockNode)>,
    roots: Vec<&'a LockNode>,
    /// For each waiting pid, the roots it ultimately waits for.
    root_of: BTreeMap<i64, BTreeSet<i64>>,
    /// For each root, how many sessions wait on it, directly or not.
    behind: BTreeMap<i64, usize>,
}

fn build(nodes: &[LockNode]) -> Tree<'_> {
    let by_pid: BTreeMap<i64, &LockNode> = nodes.iter().map(|n| (n.s.pid, n)).collect();
    let mut children: BTreeMap<i64, Vec<&LockNode>> = BTreeMap::new();
    for n in nodes {
        for b in &n.s.blocked_by {
            children.entry(*b).or_default().push(n);
        }
    }
    let mut roots: Vec<&LockNode> = nodes.iter().filter(|n| n.s.blocked_by.is_empty()).collect();
    if roots.is_empty() {
        // Everyone waits on someone: a cycle (a deadlock about to be broken). Start anywhere.
        roots.extend(nodes.iter().max_by(|a, b| {
            a.s.xact_seconds
                .unwrap_or(0.0)
                .total_cmp(&b.s.xact_seconds.unwrap_or(0.0))
        }));
    }
    let mut tree = Tree {
        rows: Vec::new(),
        roots: Vec::new(),
        root_of: BTreeMap::new(),
        behind: BTreeMap::new(),
    };
    let mut seen = BTreeSet::new();
    for root in &roots {
        let mut stack = vec![(0usize, *root)];
        let mut count = 0;
        let mut reached = BTreeSet::new();
        while let Some((depth, node)) = stack.pop() {
            if !reached.insert(node.s.pid) {
                continue;
            }
            if depth > 0 {
                count += 1;
                tree.root_of.entry(node.s.pid).or_default().insert(root.s.pid);
            }
            if seen.insert(node.s.pid) {
                tree.rows.push((depth, node));
            }
            for child in children.get(&node.s.pid).into_iter().flatten().rev() {
                stack.push((depth + 1, child));
            }
        }
        tree.behind.insert(root.s.pid, count);
    }
    // Blockers that are not in the snapshot (ended meanwhile) still count as roots of their waiters.
    for n in nodes {
        for b in &n.s.blocked_by {
            if !by_pid.contains_key(b) {
                tree.root_of.entry(n.s.pid).or_default().insert(*b);
            }
        }
    }
    tree.roots = roots;
    tree.roots
        .sort_by_key(|r| std::cmp::Reverse(tree.behind.get(&r.s.pid).copied().unwrap_or(0)));
    tree
}

fn evaluate(snap: &LockSnapshot, t: &Thresholds, engine: Engine, limit: usize) -> Outcome {
    let waiting: Vec<&LockNode> = snap.nodes.iter().filter(|n| !n.s.blocked_by.is_empty()).collect();
    let longest = waiting.iter().filter_map(|n| n.waiting_seconds).fold(0.0, f64::max);
    let blocked = waiting.len() as u64;
    let mut status = grade(longest, t.seconds(WARNING), t.seconds(CRITICAL));
    if blocked > 0 && blocked >= t.count(BLOCKED_CRITICAL) {
        status = Status::Critical;
    }
    let tree = build(&snap.nodes);
    let mut facts = Facts::default();
    let mut findings = tree_findings(&tree, engine, limit);
    server_findings(snap, &mut findings, &mut facts);
    root_facts(&mut facts, &tree, !waiting.is_empty());
    waiter_facts(&mut facts, &waiting);
    facts.set("blocked", blocked);
    facts.set("longest_wait", fmt(longest));
    facts.set("source", &snap.source);
    facts.set("warning", t.shown(WARNING));
    facts.set("critical", t.shown(CRITICAL));

    let metrics = vec![
        Metric {
            critical: Some(t.count(BLOCKED_CRITICAL) as f64),
            ..Metric::new("blocked", blocked as f64, Unit::Count)
        },
        Metric::new("longest_wait", longest.round(), Unit::Seconds).thresholds(t.seconds(WARNING), t.seconds(CRITICAL)),
        Metric::new(
            "root_blockers",
            if waiting.is_empty() {
                0.0
            } else {
                tree.roots.len() as f64
            },
            Unit::Count,
        ),
    ];
    let mut notes = vec![format!("lock waits read from {}", snap.source)];
    notes.extend(snap.notes.iter().cloned());
    if tree.rows.len() > limit {
        notes.push(format!(
            "showing {limit} of {} sessions in lock trees (--limit)",
            tree.rows.len()
        ));
    }
    let mut outcome = Outcome {
        status,
        summary: summary(&tree, &waiting, longest),
        metrics,
        findings,
        notes,
        facts,
    };
    not_vouched(&mut outcome, snap, engine);
    outcome
}

/// The lock trees, one finding per session, roots first, up to the limit.
fn tree_findings(tree: &Tree, engine: Engine, limit: usize) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (depth, n) in tree.rows.iter().take(limit) {
        let shown = match &n.gid {
            Some(_) => n.name(),
            None => n.s.pid.to_string(),
        };
        let label = if *depth == 0 {
            shown
        } else {
            format!("{}└─ {shown}", "   ".repeat(depth - 1))
        };
        let roots: Vec<i64> = tree
            .root_of
            .get(&n.s.pid)
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default();
        let mut f = Finding::new("lock_tree")
            .with("tree", label)
            .with("pid", n.gid.is_none().then_some(n.s.pid))
            .with("session", n.s.reference.clone())
            .with("gid", n.gid.clone())
            .with(
                "role",
                if n.s.blocked_by.is_empty() && n.lock.is_none() {
                    "root blocker"
                } else {
                    "waiting"
                },
            )
            .with("state", n.s.state.as_str())
            .with("user", n.s.user.as_str())
            .with("database", n.s.database.as_str());
        if engine != Engine::Mysql {
            f = f.with("application", n.s.application());
        }
        f = f
            .with("client", n.s.client.as_str())
            .with("waiting_for", n.waiting_seconds.map(fmt))
            .with("transaction_for", n.s.xact_seconds.map(fmt))
            .with("lock", n.lock.clone())
            .with("blocked_by", Value::from(n.s.blocked_by.clone()))
            .with("roots", Value::from(roots))
            .with("inferred", n.inferred)
            .with("query", n.s.query.as_str());
        findings.push(f);
    }
    findings
}

/// The server's latest deadlock and its lock-related settings, with advice on each.
fn server_findings(snap: &LockSnapshot, findings: &mut Vec<Finding>, facts: &mut Facts) {
    if let Some(latest) = &snap.latest_deadlock {
        facts.flag("deadlocks");
        findings.push(deadlocks::finding(latest));
    }
    let advice = |name: &str, value: &str| -> Option<&'static str> {
        match (name, value) {
            ("log_lock_waits", "off") => Some("turn on, so waits longer than deadlock_timeout are logged"),
            ("lock_timeout", "0" | "0ms") => {
                Some("0 waits for ever: set lock_timeout in migrations (SET lock_timeout = '5s')")
            }
            ("innodb_print_all_deadlocks", "0" | "OFF") => Some("turn on, so every deadlock reaches the error log"),
            _ => None,
        }
    };
    for (name, value) in &snap.settings {
        findings.push(
            Finding::new("settings")
                .with("setting", name.as_str())
                .with("value", value.as_str())
                .with("advice", advice(name, value).unwrap_or("")),
        );
    }
}

/// The root blockers' facts: the protected or prepared root, one item per root that may be
/// ended, and the first root's placeholders. Roots count only while someone waits.
fn root_facts(facts: &mut Facts, tree: &Tree, any_waiting: bool) {
    let waited_on = || tree.roots.iter().filter(|_| any_waiting);
    // Autovacuum, replication and backups are never offered for ending: they get their own
    // step saying what they are and what to do instead.
    if let Some((root, p)) = waited_on().find_map(|r| r.s.protected().map(|p| (r, p))) {
        facts.flag("protected_root");
        facts.set("protected_pid", root.s.pid);
        facts.set("protected_what", p.what);
        facts.set("protected_advice", p.advice);
    }
    // A prepared transaction has no session to end: it is committed or rolled back by gid,
    // after asking whoever runs the transaction manager.
    if let Some(root) = waited_on().find(|r| r.gid.is_some()) {
        facts.flag("prepared_root");
        facts.set("prepared_gid", root.gid.as_deref().unwrap_or_default());
        facts.set("prepared_owner", &root.s.user);
        facts.set("prepared_database", &root.s.database);
        facts.set("prepared_age", root.s.xact_seconds.map(fmt).unwrap_or_default());
    }
    for root in tree
        .roots
        .iter()
        .filter(|r| r.s.protected().is_none() && r.gid.is_none())
    {
        let mut item = BTreeMap::new();
        item.insert("pid".to_string(), root.s.pid.to_string());
        item.insert("user".to_string(), root.s.user.clone());
        item.insert("state".to_string(), root.s.state.clone());
        item.insert("query".to_string(), shorten(&root.s.query, STEP_QUERY_MAX));
        item.insert(
            "blocking".to_string(),
            tree.behind.get(&root.s.pid).copied().unwrap_or(0).to_string(),
        );
        item.extend(crate::checks::session_ref::step_values(&root.s));
        facts.items.push(item);
    }
    // A prepared transaction's pid is a key for the tree only (the negative of its transaction
    // ID): never shown to a person as a pid; its own facts above name it by gid.
    if let Some(root) = waited_on().find(|r| r.gid.is_none()) {
        facts.set("root_pid", root.s.pid);
        facts.set("root_user", &root.s.user);
        facts.set("root_database", &root.s.database);
        facts.set("root_application", root.s.application());
        facts.set("root_client", &root.s.client);
        facts.set("root_state", &root.s.state);
        facts.set("root_query", shorten(&root.s.query, STEP_QUERY_MAX));
        facts.set(
            "root_xact_age",
            root.s.xact_seconds.map(fmt).unwrap_or_else(|| "unknown".into()),
        );
        if root.s.state.starts_with("idle in transaction") {
            facts.flag("root_idle_in_transaction");
        }
    }
}

/// The waiting sessions' facts: the longest waiter, else a waiting DDL, leads the runbook.
fn waiter_facts(facts: &mut Facts, waiting: &[&LockNode]) {
    let first_waiter = waiting.iter().max_by(|a, b| {
        a.waiting_seconds
            .unwrap_or(0.0)
            .total_cmp(&b.waiting_seconds.unwrap_or(0.0))
    });
    if let Some(w) = first_waiter {
        waiting_start(facts, w);
        facts.set("waiting_pid", w.s.pid);
        facts.set("waiting_query", shorten(&w.s.query, STEP_QUERY_MAX));
        facts.set("lock", w.lock.clone().unwrap_or_else(|| "a lock".into()));
        facts.flag("lock_waits");
        facts.lead = Some("lock_waits".into());
    }
    let ddl = waiting.iter().find(|n| is_ddl(&n.s.query));
    if let Some(d) = ddl {
        waiting_start(facts, d);
        facts.flag("ddl_waiting");
        facts.lead = Some("ddl_waiting".into());
        facts.set("waiting_pid", d.s.pid);
        facts.set("waiting_query", shorten(&d.s.query, STEP_QUERY_MAX));
    }
    if waiting.iter().any(|n| n.lock.as_deref() == Some("metadata lock")) {
        facts.flag("metadata_lock");
    }
    if waiting.iter().any(|n| n.inferred) {
        facts.flag("inferred");
    }
}

/// The waiter's `backend_start`, which guards the step cancelling it (none without a reference).
fn waiting_start(facts: &mut Facts, w: &LockNode) {
    facts.values.remove("waiting_backend_start");
    for (k, v) in crate::checks::session_ref::step_values(&w.s) {
        if k == "backend_start" {
            facts.set("waiting_backend_start", v);
        }
    }
}

/// How many are blocked and for how long, and the first root blocker.
fn summary(tree: &Tree, waiting: &[&LockNode], longest: f64) -> String {
    match tree.roots.first().filter(|_| !waiting.is_empty()) {
        None => "no session is waiting for a lock".to_string(),
        Some(root) => format!(
            "{} session(s) blocked, the longest for {}; root blocker {} ({}, {}{}) blocks {}",
            waiting.len(),
            fmt(longest),
            root.name(),
            root.s.user,
            if root.s.state.is_empty() {
                "state unknown"
            } else {
                root.s.state.as_str()
            },
            root.s
                .xact_seconds
                .map(|x| format!(", transaction open {}", fmt(x)))
                .unwrap_or_default(),
            tree.behind.get(&root.s.pid).copied().unwrap_or(0)
        ),
    }
}

/// What the check could not see: a wait whose holder is unknown makes OK UNKNOWN; sessions
/// hidden from this user are a note.
fn not_vouched(outcome: &mut Outcome, snap: &LockSnapshot, engine: Engine) {
    // A session waiting for a lock whose holder could not be found (MySQL metadata locks with
    // performance_schema off and no suspect): the check cannot say nobody blocks it.
    let unexplained = snap
        .nodes
        .iter()
        .filter(|n| n.s.blocked_by.is_empty() && n.lock.is_some())
        .count();
    if unexplained > 0 && outcome.status == Status::Ok {
        outcome.status = Status::Unknown;
        outcome.summary = format!(
            "{unexplained} session(s) wait for a lock whose holder cannot be identified (MySQL/MariaDB: \
             performance_schema with its wait/lock/metadata/sql/mdl instrument names metadata-lock holders); {}",
            outcome.summary
        );
    }
    // pg_locks is not filtered by privilege and hidden sessions keep their pid: the lock graph
    // is complete, only their user and query are not shown. A note, not a blind verdict.
    if snap.hidden > 0 {
        outcome.notes.push(format!(
            "{} session(s) of other users show without user or query: {}",
            snap.hidden,
            visibility_grant(engine, &snap.account)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(pid: i64, blocked_by: &[i64], state: &str, query: &str, wait: Option<f64>) -> LockNode {
        LockNode {
            s: ObservedSession {
                pid,
                state: state.into(),
                query: query.into(),
                user: "u".into(),
                blocked_by: blocked_by.to_vec(),
                ..ObservedSession::default()
            },
            waiting_seconds: wait,
            ..LockNode::default()
        }
    }

    fn t() -> Thresholds {
        Thresholds::resolve(&SPEC, &BTreeMap::new(), &BTreeMap::new()).unwrap()
    }

    #[test]
    fn alter_table_queue_names_the_idle_root() {
        let snap = LockSnapshot {
            nodes: vec![
                node(30, &[20], "active", "SELECT * FROM orders", Some(3.0)),
                node(10, &[], "idle in transaction", "UPDATE orders SET x = 1", None),
                node(20, &[10], "active", "ALTER TABLE orders ADD COLUMN y int", Some(15.0)),
                node(31, &[20], "active", "INSERT INTO orders VALUES (1)", Some(2.0)),
            ],
            ..LockSnapshot::default()
        };
        let o = evaluate(&snap, &t(), Engine::Postgres, 50);
        assert_eq!(o.status, Status::Warning);
        let order: Vec<i64> = o
            .findings
            .iter()
            .filter(|f| f.kind == "lock_tree")
            .map(|f| f.fields["pid"].as_i64().unwrap())
            .collect();
        assert_eq!(order, vec![10, 20, 30, 31]);
        let labels: Vec<&str> = o
            .findings
            .iter()
            .filter_map(|f| f.fields.get("tree")?.as_str())
            .collect();
        assert_eq!(labels, vec!["10", "└─ 20", "   └─ 30", "   └─ 31"]);
        assert_eq!(o.findings[2].fields["roots"], serde_json::json!([10]));
        assert_eq!(o.facts.values["root_pid"], "10");
        assert_eq!(o.facts.lead.as_deref(), Some("ddl_waiting"));
        assert!(o.facts.conditions.contains("root_idle_in_transaction"));
        assert!(o.summary.contains("root blocker pid 10"), "{}", o.summary);
    }

    #[test]
    fn many_blocked_is_critical_even_when_short() {
        let mut nodes = vec![node(1, &[], "active", "x", None)];
        nodes.extend((2..8).map(|p| node(p, &[1], "active", "y", Some(1.0))));
        let o = evaluate(
            &LockSnapshot {
                nodes,
                ..Default::default()
            },
            &t(),
            Engine::Mysql,
            50,
        );
        assert_eq!(o.status, Status::Critical);
    }

    #[test]
    fn nothing_waiting_is_ok() {
        let o = evaluate(&LockSnapshot::default(), &t(), Engine::Postgres, 50);
        assert_eq!(o.status, Status::Ok);
        assert_eq!(o.summary, "no session is waiting for a lock");
    }

    #[test]
    fn a_metadata_lock_wait_with_no_known_holder_is_not_ok() {
        let mut waiter = node(7, &[], "Waiting for table metadata lock", "SELECT * FROM t", Some(3.0));
        waiter.lock = Some("metadata lock".into());
        waiter.inferred = true;
        let o = evaluate(
            &LockSnapshot {
                nodes: vec![waiter],
                ..LockSnapshot::default()
            },
            &t(),
            Engine::Mysql,
            50,
        );
        assert_eq!(o.status, Status::Unknown, "{}", o.summary);
        assert!(
            o.summary.starts_with("1 session(s) wait for a lock whose holder"),
            "{}",
            o.summary
        );
        assert_eq!(o.findings[0].fields["role"], "waiting");
    }
}
