//! The pool check: connections used against what the server (or PgBouncer) allows, who holds
//! them, and the verdict. A server that refuses the tool's own connection for lack of slots is
//! the case this check exists for: that is CRITICAL, not UNKNOWN.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{
    Check, CheckSpec, Context, Facts, ObservedSession, Outcome, Results, Threshold, ThresholdKind, Thresholds, grade,
};
use crate::engine::{ConnectError, Param, Query, Rows};
use crate::report::{Finding, Metric, Status, Unit};
use crate::target::Engine;
use crate::units::human_seconds;

pub struct Pool;

// The check's thresholds, one const each, named in the spec and at every lookup, so a
// misspelt threshold does not compile.
pub const WARNING: Threshold = Threshold {
    key: "warning",
    kind: ThresholdKind::Percent,
    default: "80%",
    help: "WARNING at this share of usable connections",
};

pub const CRITICAL: Threshold = Threshold {
    key: "critical",
    kind: ThresholdKind::Percent,
    default: "95%",
    help: "CRITICAL at this share of usable connections",
};

pub const WAIT_WARNING: Threshold = Threshold {
    key: "wait_warning",
    kind: ThresholdKind::Duration,
    default: "1s",
    help: "PgBouncer: WARNING when a client has waited this long for a server connection",
};

pub const WAIT_CRITICAL: Threshold = Threshold {
    key: "wait_critical",
    kind: ThresholdKind::Duration,
    default: "10s",
    help: "PgBouncer: CRITICAL when a client has waited this long",
};

pub const LEAKED_AFTER: Threshold = Threshold {
    key: "leaked_after",
    kind: ThresholdKind::Duration,
    default: "1m",
    help: "A session idle in its transaction for longer than this is leaked: the age the bulk steps \
           end (a healthy transaction is idle for milliseconds between statements)",
};

pub const SPEC: CheckSpec = CheckSpec {
    name: "pool",
    about: "Connection-pool status: connections used against the server's limit, by state and by \
            holder; PgBouncer pools and waiting clients; a server too full to let us in.",
    engines: &[Engine::Postgres, Engine::Mysql, Engine::Pgbouncer],
    thresholds: &[WARNING, CRITICAL, WAIT_WARNING, WAIT_CRITICAL, LEAKED_AFTER],
    options: &[],
    ordered: &[
        (WARNING.key, CRITICAL.key, "connection usage"),
        (WAIT_WARNING.key, WAIT_CRITICAL.key, "client wait"),
    ],
    default_limit: 10,
    steady: false,
    server_wide: true,
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
        "top_holders",
        "leak_user",
        "leak_holders",
        "leaked_after",
        "leaked_after_s",
        "idle_tx_pid",
        "idle_tx_backend_start",
        "idle_tx_who",
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
        "lock_waiting",
        "login_host",
        "login_port",
        "login_socket",
        "login_user",
    ],
    item_placeholders: &[],
    conditions: &[
        "refused",
        "near_limit",
        "idle_in_transaction",
        "clients_waiting",
        "lock_pileup",
        "leaked",
        "held",
        "refused_tcp",
        "refused_socket",
    ],
};

/// A query that returns nothing: what a user without PROCESS gets instead of INNODB_TRX rows.
const NOTHING: &str = "SELECT 1 FROM DUAL WHERE FALSE";

impl Check for Pool {
    fn spec(&self) -> &'static CheckSpec {
        &SPEC
    }

    fn queries(&self, ctx: &Context) -> Vec<Query> {
        let limit = Param::Int(ctx.limit as i64);
        match ctx.engine() {
            Engine::Postgres => vec![
                Query::new(
                    "reading connection limits",
                    include_str!("sql/postgres/pool_totals.sql"),
                ),
                Query::new(
                    "counting sessions by state",
                    include_str!("sql/postgres/pool_states.sql"),
                ),
                Query::new(
                    "listing connection holders",
                    include_str!("sql/postgres/pool_holders.sql"),
                )
                .param(limit),
                Query::new(
                    "finding idle transactions",
                    include_str!("sql/postgres/pool_oldest_idle_tx.sql"),
                ),
            ],
            Engine::Mysql => vec![
                Query::new("reading max_connections", include_str!("sql/mysql/pool_max.sql")),
                Query::new(
                    "reading connection status counters",
                    include_str!("sql/mysql/pool_status.sql"),
                ),
                Query::new("counting threads by command", include_str!("sql/mysql/pool_states.sql")),
                // INNODB_TRX needs PROCESS; without it, holders come without the
                // idle-in-transaction split rather than not at all.
                Query::new("listing connection holders", include_str!("sql/mysql/pool_holders.sql"))
                    .param(limit)
                    .or_without_privilege(include_str!("sql/mysql/pool_holders_no_trx.sql")),
                Query::new(
                    "finding idle transactions",
                    include_str!("sql/mysql/pool_oldest_idle_tx.sql"),
                )
                .or_without_privilege(NOTHING),
                Query::new(
                    "counting idle transactions",
                    include_str!("sql/mysql/pool_idle_tx_count.sql"),
                )
                .or_without_privilege(NOTHING),
            ],
            Engine::Pgbouncer => vec![
                Query::new("reading PgBouncer's configuration", "SHOW CONFIG"),
                Query::new("reading PgBouncer's databases", "SHOW DATABASES"),
                Query::new("reading PgBouncer's pools", "SHOW POOLS"),
            ],
        }
    }

    fn outcome(&self, ctx: &Context, results: &Results) -> Result<Outcome> {
        Ok(match ctx.engine() {
            Engine::Postgres => evaluate_server(&postgres_pool(results, ctx.limit)?, ctx.thresholds, Engine::Postgres),
            Engine::Mysql => evaluate_server(&mysql_pool(results)?, ctx.thresholds, Engine::Mysql),
            Engine::Pgbouncer => evaluate_bouncer(&bouncer_pools(results)?, ctx.thresholds),
        })
    }

    /// The tool's own connection was refused for lack of slots: the pool is exhausted.
    fn refused(&self, err: &ConnectError, engine: Engine) -> Option<Outcome> {
        if err.kind != crate::engine::ConnectErrorKind::ServerFull {
            return None;
        }
        let mut facts = Facts::default();
        facts.flag("refused");
        facts.flag("near_limit");
        if let Some(phase) = err.failed_phase() {
            login_facts(&mut facts, &phase.host, &err.user, engine);
        }
        let what = if engine == Engine::Pgbouncer {
            "PgBouncer"
        } else {
            "the server"
        };
        Some(Outcome {
            status: Status::Critical,
            summary: format!("{what} refused a new connection: every slot is taken ({})", err.message),
            metrics: vec![],
            findings: vec![],
            notes: vec!["dbrunbook could not get in to count connections; the refusal itself is the finding".into()],
            facts,
        })
    }
}

/// How to get in where the tool was refused: the target's own host (or socket) and port, and
/// its user, for the "get in through a reserved slot" step. `phase_host` is the failed phase's
/// `host:port`, `[v6]:port`, PostgreSQL's socket file `/dir/.s.PGSQL.5432` or a MySQL socket.
fn login_facts(facts: &mut Facts, phase_host: &str, user: &str, engine: Engine) {
    if !user.is_empty() {
        facts.set("login_user", user);
    }
    if phase_host.starts_with('/') {
        facts.flag("refused_socket");
        match phase_host.rsplit_once("/.s.PGSQL.") {
            // psql takes the socket's directory as its host, and the port names the file.
            Some((dir, port)) if engine == Engine::Postgres => {
                facts.set("login_host", dir);
                facts.set("login_port", port);
            }
            _ => facts.set("login_socket", phase_host),
        }
    } else if let Some((host, port)) = phase_host.rsplit_once(':') {
        facts.flag("refused_tcp");
        facts.set("login_host", host.trim_start_matches('[').trim_end_matches(']'));
        facts.set("login_port", port);
    }
}

/// Connection usage of a database server.
#[derive(Debug, Clone, Default)]
struct ServerPool {
    max_connections: i64,
    /// Slots only superusers (or roles with pg_use_reserved_connections) may take.
    reserved: i64,
    /// Client connections, not counting the tool's own.
    used: i64,
    /// Connections by state (PostgreSQL `state`, MySQL `COMMAND`), largest first.
    by_state: Vec<(String, i64)>,
    /// Who holds the connections, largest first, at most `--limit` rows.
    holders: Vec<Holder>,
    /// All client sessions idle in a transaction (exact, not cut by `--limit`).
    idle_in_transaction: Option<i64>,
    /// Sessions waiting on a lock (PostgreSQL `wait_event_type = 'Lock'`).
    lock_waiting: Option<i64>,
    oldest_idle_in_transaction: Option<ObservedSession>,
    /// Its `backend_start` as text (PostgreSQL): with the pid, the identity a step guards on,
    /// so a pid reused by a new session is never the one ended.
    oldest_idle_backend_start: Option<String>,
    /// Server counters worth showing: name, value, unit (a count, or a counter since start).
    counters: Vec<(String, f64, Unit)>,
    /// What the tool could not see (privileges), in the user's words.
    notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Holder {
    database: String,
    user: String,
    application: String,
    client: String,
    connections: i64,
    active: i64,
    idle: i64,
    idle_in_transaction: i64,
}

/// PgBouncer's view: one row per pool, plus its global client limit.
#[derive(Debug, Clone, Default)]
struct BouncerPools {
    max_client_conn: i64,
    pools: Vec<BouncerPool>,
}

#[derive(Debug, Clone, Default)]
struct BouncerPool {
    database: String,
    user: String,
    pool_mode: String,
    cl_active: i64,
    cl_waiting: i64,
    sv_active: i64,
    sv_idle: i64,
    sv_used: i64,
    /// Server connections this pool may open (`pool_size`, 0 when unknown).
    pool_size: i64,
    /// How long the oldest waiting client has waited, in seconds.
    maxwait_seconds: f64,
}

fn holders(rows: &Rows) -> Result<Vec<Holder>> {
    rows.iter()
        .map(|r| {
            let pg = r.has("application");
            let at = |i: usize| if pg { i } else { i - 1 };
            Ok(Holder {
                database: r.text(0)?,
                user: r.text(1)?,
                application: if pg { r.text(2)? } else { String::new() },
                client: r.text(at(3))?,
                connections: r.int(at(4))?,
                active: r.int(at(5))?,
                idle: r.int(at(6))?,
                idle_in_transaction: r.int(at(7))?,
            })
        })
        .collect()
}

fn states(rows: &Rows) -> Result<Vec<(String, i64)>> {
    rows.iter().map(|r| Ok((r.text(0)?, r.int(1)?))).collect()
}

fn oldest(rows: &Rows) -> Result<Option<ObservedSession>> {
    rows.first().map(|r| ObservedSession::decode(&r)).transpose()
}

fn postgres_pool(results: &Results, limit: usize) -> Result<ServerPool> {
    let totals = results.rows(0)?;
    let t = totals
        .first()
        .ok_or_else(|| anyhow::anyhow!("no row from the connection totals"))?;
    let mut pool = ServerPool {
        max_connections: t.int(0)?,
        reserved: t.int(1)?,
        used: t.int(2)?,
        lock_waiting: Some(t.int(3)?),
        idle_in_transaction: Some(t.int(5)?),
        by_state: states(results.rows(1)?)?,
        holders: holders(results.rows(2)?)?,
        oldest_idle_in_transaction: oldest(results.rows(3)?)?,
        oldest_idle_backend_start: match results.rows(3)?.first() {
            Some(r) => r.text_named("backend_start")?,
            None => None,
        },
        ..ServerPool::default()
    };
    pool.holders.truncate(limit);
    let hidden = t.int(4)?;
    if hidden > 0 {
        pool.notes.push(format!(
            "{hidden} sessions of other roles are hidden from this role: their state and application are not shown. \
             Grant visibility with: GRANT pg_monitor TO {};",
            crate::quote::ident(Engine::Postgres, &t.text(6)?)
        ));
    }
    Ok(pool)
}

fn mysql_pool(results: &Results) -> Result<ServerPool> {
    let max_connections = results.rows(0)?.first().map(|r| r.int(0)).transpose()?.unwrap_or(0);
    let status: BTreeMap<String, f64> = results
        .rows(1)?
        .iter()
        .map(|r| Ok((r.text(0)?.to_ascii_lowercase(), r.opt_float(1)?.unwrap_or(0.0))))
        .collect::<Result<_>>()?;
    let counter = |k: &str| status.get(k).copied().unwrap_or(0.0);
    // Threads_connected and Threads_running count this session too.
    let used = (counter("threads_connected") as i64 - 1).max(0);
    let mut pool = ServerPool {
        max_connections,
        used,
        by_state: states(results.rows(2)?)?,
        counters: vec![
            (
                "threads_running".into(),
                (counter("threads_running") - 1.0).max(0.0),
                Unit::Count,
            ),
            (
                "max_used_connections".into(),
                counter("max_used_connections"),
                Unit::Count,
            ),
            (
                "connection_errors_max_connections".into(),
                counter("connection_errors_max_connections"),
                Unit::Counter,
            ),
            ("aborted_connects".into(), counter("aborted_connects"), Unit::Counter),
        ],
        ..ServerPool::default()
    };
    let seen: i64 = pool.by_state.iter().map(|(_, n)| n).sum();
    if seen < used {
        pool.notes.push(format!(
            "the processlist shows {seen} of {used} connections: this user lacks the PROCESS privilege. \
             Grant it with: GRANT PROCESS ON *.* TO <this user>;"
        ));
    }
    pool.holders = holders(results.rows(3)?)?;
    let idle = results.rows(4)?;
    if idle.fallback_used {
        pool.notes
            .push("idle transactions are not shown: reading INNODB_TRX needs the PROCESS privilege".into());
    }
    pool.oldest_idle_in_transaction = oldest(idle)?;
    let count = results.rows(5)?;
    if !count.fallback_used {
        pool.idle_in_transaction = count.first().map(|r| r.int(0)).transpose()?;
    }
    Ok(pool)
}

fn bouncer_pools(results: &Results) -> Result<BouncerPools> {
    let text = |r: &crate::engine::Row, c: &str| -> Result<String> { Ok(r.text_named(c)?.unwrap_or_default()) };
    // A numeric column, 0 when absent (older PgBouncers lack some columns).
    let int = |r: &crate::engine::Row, c: &str| -> Result<i64> { Ok(r.int_named(c)?.unwrap_or(0)) };
    let mut config = BTreeMap::new();
    for r in results.rows(0)?.iter() {
        config.insert(text(&r, "key")?, text(&r, "value")?);
    }
    let setting = |k: &str| config.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let mut pool_sizes = BTreeMap::new();
    for r in results.rows(1)?.iter() {
        pool_sizes.insert(text(&r, "name")?, int(&r, "pool_size")?);
    }
    let mut out = BouncerPools {
        max_client_conn: setting("max_client_conn"),
        pools: Vec::new(),
    };
    for r in results.rows(2)?.iter() {
        let database = text(&r, "database")?;
        if database == "pgbouncer" {
            continue; // the admin console itself, where this tool sits
        }
        let pool_size = pool_sizes
            .get(&database)
            .copied()
            .filter(|s| *s > 0)
            .unwrap_or(setting("default_pool_size"));
        out.pools.push(BouncerPool {
            user: text(&r, "user")?,
            pool_mode: text(&r, "pool_mode")?,
            cl_active: int(&r, "cl_active")?,
            cl_waiting: int(&r, "cl_waiting")?,
            sv_active: int(&r, "sv_active")?,
            sv_idle: int(&r, "sv_idle")?,
            sv_used: int(&r, "sv_used")? + int(&r, "sv_tested")? + int(&r, "sv_login")?,
            pool_size,
            maxwait_seconds: int(&r, "maxwait")? as f64 + int(&r, "maxwait_us")? as f64 / 1e6,
            database,
        });
    }
    Ok(out)
}

fn by_percent(t: &Thresholds, pct: f64) -> Status {
    grade(pct, t.percent(WARNING), t.percent(CRITICAL))
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
    let status = by_percent(t, pct);
    let (warning, critical) = (t.percent(WARNING), t.percent(CRITICAL));
    let at = |p: f64| (usable as f64 * p / 100.0).ceil();
    let mut metrics = vec![
        Metric::new("connections", s.used as f64, Unit::Count)
            .thresholds(at(warning), at(critical))
            .range(0.0, usable as f64),
        Metric::new("usage", (pct * 10.0).round() / 10.0, Unit::Percent)
            .thresholds(warning, critical)
            .range(0.0, 100.0),
        Metric::new("max_connections", s.max_connections as f64, Unit::Count),
    ];
    if s.reserved > 0 {
        metrics.push(Metric::new("reserved_connections", s.reserved as f64, Unit::Count));
    }
    if let Some(n) = s.lock_waiting {
        metrics.push(Metric::new("lock_waiting", n as f64, Unit::Count));
        facts.set("lock_waiting", n);
        // Connections pile up because they wait on a lock: the cause is a lock chain, and
        // killing connections only makes them come back into the same queue.
        if n > 0 && n * 2 >= s.used {
            facts.flag("lock_pileup");
        }
    }
    for (name, value, unit) in &s.counters {
        metrics.push(Metric::new(name, *value, *unit));
    }
    let idle_in_tx: i64 = s
        .idle_in_transaction
        .unwrap_or_else(|| s.holders.iter().map(|h| h.idle_in_transaction).sum());
    metrics.push(Metric::new("idle_in_transaction", idle_in_tx as f64, Unit::Count));

    let mut findings = holder_findings(s, engine, &mut facts);
    leak_facts(s, t, &mut facts);
    let mut summary = format!("{} of {} usable connections used ({:.0}%)", s.used, usable, pct);
    if s.reserved > 0 {
        summary.push_str(&format!(", {} more reserved for superusers", s.reserved));
    }
    if let Some(oldest) = oldest_idle_transaction(s, idle_in_tx, &mut metrics, &mut findings, &mut facts) {
        summary.push_str(&oldest);
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

/// Connections by state, and by holder (database, user, application, client), the largest
/// holder's placeholders.
fn holder_findings(s: &ServerPool, engine: Engine, facts: &mut Facts) -> Vec<Finding> {
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
        if let Some(words) = tied_holders(&s.holders, |h| h.connections, "connections") {
            facts.set("top_holders", words);
            facts.flag("held");
        }
    }
    findings
}

/// The holders with the most of something, a tie told as a tie: "web-1, web-2 and web-3 hold
/// 9 connections each", "web-1 holds 12 connections". `None` when nobody holds any.
fn tied_holders(holders: &[Holder], count: impl Fn(&Holder) -> i64, noun: &str) -> Option<String> {
    let most = holders.iter().map(&count).max().filter(|n| *n > 0)?;
    let tied: Vec<String> = holders.iter().filter(|h| count(h) == most).map(holder_label).collect();
    Some(match tied.as_slice() {
        [one] => format!("{one} holds {most} {noun}"),
        [rest @ .., last] => format!("{} and {last} hold {most} {noun} each", rest.join(", ")),
        [] => return None,
    })
}

/// A holder in words: its application name, or (MySQL, or a client that sets none) its user
/// and client, so that no sentence has a hole where a name should be.
fn holder_label(h: &Holder) -> String {
    if h.application.is_empty() {
        format!("{} from {}", h.user, h.client)
    } else {
        h.application.clone()
    }
}

/// The leak: whose sessions sit idle in their transactions, and the age past which the bulk
/// steps end them (the `leaked_after` threshold).
fn leak_facts(s: &ServerPool, t: &Thresholds, facts: &mut Facts) {
    let after = t.seconds(LEAKED_AFTER);
    facts.set("leaked_after", human_seconds(after));
    facts.set("leaked_after_s", after.ceil() as i64);
    let Some(words) = tied_holders(&s.holders, |h| h.idle_in_transaction, "sessions idle in transaction") else {
        return;
    };
    let Some(top) = s.holders.iter().max_by_key(|h| h.idle_in_transaction) else {
        return;
    };
    facts.set("leak_user", &top.user);
    facts.set("leak_holders", words);
    facts.flag("leaked");
}

/// The oldest idle-in-transaction session, unless it is protected: metric, finding, facts, and
/// the summary's words for it.
fn oldest_idle_transaction(
    s: &ServerPool,
    idle_in_tx: i64,
    metrics: &mut Vec<Metric>,
    findings: &mut Vec<Finding>,
    facts: &mut Facts,
) -> Option<String> {
    let tx = s
        .oldest_idle_in_transaction
        .as_ref()
        .filter(|tx| tx.protected().is_none())?;
    let seconds = tx.state_seconds.unwrap_or(0.0);
    let age = human_seconds(seconds);
    metrics.push(Metric::new(
        "oldest_idle_in_transaction",
        seconds.round(),
        Unit::Seconds,
    ));
    findings.push(
        Finding::new("oldest_idle_transaction")
            .with("pid", tx.pid)
            .with("user", tx.user.as_str())
            .with("database", tx.database.as_str())
            .with("application", tx.application())
            .with("client", tx.client.as_str())
            .with("idle_for", age.as_str()),
    );
    facts.set("idle_tx_pid", tx.pid);
    facts.set("idle_tx_user", &tx.user);
    facts.set("idle_tx_database", &tx.database);
    facts.set("idle_tx_application", tx.application());
    facts.set("idle_tx_client", &tx.client);
    facts.set("idle_tx_age", &age);
    facts.set(
        "idle_tx_who",
        match tx.application() {
            "" => format!("{} from {}", tx.user, tx.client),
            app => format!("{app} as {} from {}", tx.user, tx.client),
        },
    );
    if let Some(started) = &s.oldest_idle_backend_start {
        facts.set("idle_tx_backend_start", started);
    }
    facts.flag("idle_in_transaction");
    Some(format!(
        "; {idle_in_tx} idle in transaction, the oldest for {age} (pid {})",
        tx.pid
    ))
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
    let mut status = by_percent(t, pct);
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
        let wait_status = grade(worst_wait, t.seconds(WAIT_WARNING), t.seconds(WAIT_CRITICAL));
        status = status.worst(wait_status);
    }
    let mut summary = format!("{clients} of {} client connections ({pct:.0}%)", b.max_client_conn);
    if waiting > 0 {
        let p = &pools[0];
        summary.push_str(&format!(
            "; {waiting} clients waiting for a server connection, the longest {} in pool {}/{} (pool_size {})",
            human_seconds(worst_wait),
            p.database,
            p.user,
            p.pool_size
        ));
        facts.flag("clients_waiting");
        facts.set("waiting_database", &p.database);
        facts.set("waiting_user", &p.user);
        facts.set("waiting_pool_size", p.pool_size);
        facts.set("maxwait", human_seconds(worst_wait));
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
        Metric::new("clients", clients as f64, Unit::Count).range(0.0, b.max_client_conn as f64),
        Metric::new("client_usage", (pct * 10.0).round() / 10.0, Unit::Percent)
            .thresholds(t.percent(WARNING), t.percent(CRITICAL))
            .range(0.0, 100.0),
        Metric::new("clients_waiting", waiting as f64, Unit::Count),
        Metric::new("maxwait", (worst_wait * 1000.0).round() / 1000.0, Unit::Seconds)
            .thresholds(t.seconds(WAIT_WARNING), t.seconds(WAIT_CRITICAL)),
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

    fn thresholds() -> Thresholds {
        Thresholds::resolve(&SPEC, &BTreeMap::new(), &BTreeMap::new()).unwrap()
    }

    fn server(used: i64) -> ServerPool {
        ServerPool {
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
        }
    }

    #[test]
    fn usage_against_usable_slots() {
        let t = thresholds();
        assert_eq!(evaluate_server(&server(79), &t, Engine::Postgres).status, Status::Ok);
        let o = evaluate_server(&server(87), &t, Engine::Postgres);
        assert_eq!(o.status, Status::Warning);
        assert!(
            o.summary.starts_with("87 of 100 usable connections used (87%)"),
            "{}",
            o.summary
        );
        assert_eq!(
            o.metrics[0],
            Metric::new("connections", 87.0, Unit::Count)
                .thresholds(80.0, 95.0)
                .range(0.0, 100.0)
        );
        assert_eq!(
            evaluate_server(&server(95), &t, Engine::Postgres).status,
            Status::Critical
        );
        assert_eq!(o.facts.values["top_user"], "web");
    }

    #[test]
    fn flags_beat_runbook_defaults_and_order_is_checked() {
        use crate::checks::ThresholdValue;
        use crate::units::Percent;
        let defaults: BTreeMap<String, String> = [("warning".to_string(), "50%".to_string())].into();
        let none = BTreeMap::new();
        assert_eq!(
            Thresholds::resolve(&SPEC, &none, &defaults).unwrap().percent(WARNING),
            50.0
        );
        let flags: BTreeMap<String, ThresholdValue> =
            [("warning".to_string(), ThresholdValue::Percent(Percent(70.0)))].into();
        assert_eq!(
            Thresholds::resolve(&SPEC, &flags, &defaults).unwrap().percent(WARNING),
            70.0
        );
        let flags: BTreeMap<String, ThresholdValue> = [
            ("warning".to_string(), ThresholdValue::Percent(Percent(99.0))),
            ("critical".to_string(), ThresholdValue::Percent(Percent(90.0))),
        ]
        .into();
        assert!(
            Thresholds::resolve(&SPEC, &flags, &defaults)
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
        let snap = |p| BouncerPools {
            max_client_conn: 100,
            pools: vec![p],
        };
        assert_eq!(evaluate_bouncer(&snap(pool(0, 0.0)), &t).status, Status::Ok);
        assert_eq!(evaluate_bouncer(&snap(pool(3, 2.0)), &t).status, Status::Warning);
        let o = evaluate_bouncer(&snap(pool(3, 12.0)), &t);
        assert_eq!(o.status, Status::Critical);
        assert!(o.facts.conditions.contains("clients_waiting"));
    }

    fn leaking(apps: &[(&str, i64)]) -> ServerPool {
        ServerPool {
            max_connections: 30,
            reserved: 3,
            used: apps.iter().map(|(_, n)| n).sum(),
            holders: apps
                .iter()
                .map(|(app, n)| Holder {
                    database: "shop".into(),
                    user: "web".into(),
                    application: app.to_string(),
                    client: "10.0.0.7".into(),
                    connections: *n,
                    idle_in_transaction: n - 1,
                    ..Holder::default()
                })
                .collect(),
            idle_in_transaction: Some(apps.iter().map(|(_, n)| n - 1).sum()),
            oldest_idle_in_transaction: Some(ObservedSession {
                pid: 4242,
                user: "web".into(),
                client: "10.0.0.7".into(),
                application: apps.first().map(|(a, _)| a.to_string()),
                state_seconds: Some(75.0),
                ..ObservedSession::default()
            }),
            lock_waiting: Some(0),
            ..ServerPool::default()
        }
    }

    #[test]
    fn a_tie_is_told_as_a_tie_and_the_leak_is_the_users_idle_transactions() {
        let t = thresholds();
        let o = evaluate_server(
            &leaking(&[("web-1", 9), ("web-2", 9), ("web-3", 9)]),
            &t,
            Engine::Postgres,
        );
        assert_eq!(
            o.facts.values["top_holders"],
            "web-1, web-2 and web-3 hold 9 connections each"
        );
        assert_eq!(
            o.facts.values["leak_holders"],
            "web-1, web-2 and web-3 hold 8 sessions idle in transaction each"
        );
        assert_eq!(o.facts.values["leak_user"], "web");
        assert_eq!(o.facts.values["leaked_after_s"], "60");
        let o = evaluate_server(&leaking(&[("web-1", 12), ("web-2", 9)]), &t, Engine::Postgres);
        assert_eq!(o.facts.values["top_holders"], "web-1 holds 12 connections");
        // MariaDB has no application name: the user and client stand in for it.
        let o = evaluate_server(&leaking(&[("", 12)]), &t, Engine::Mysql);
        assert_eq!(o.facts.values["top_holders"], "web from 10.0.0.7 holds 12 connections");
        assert_eq!(o.facts.values["idle_tx_who"], "web from 10.0.0.7");
    }

    #[test]
    fn get_in_commands_are_built_from_the_targets_own_host_port_socket_and_user() {
        let facts = |host: &str, engine| {
            let mut f = Facts::default();
            login_facts(&mut f, host, "admin", engine);
            f
        };
        let f = facts("/run/pg15/.s.PGSQL.5433", Engine::Postgres);
        assert_eq!(
            (f.values["login_host"].as_str(), f.values["login_port"].as_str()),
            ("/run/pg15", "5433")
        );
        let f = facts("/run/mysqld/mysqld.sock", Engine::Mysql);
        assert_eq!(f.values["login_socket"], "/run/mysqld/mysqld.sock");
        assert!(f.conditions.contains("refused_socket"));
        let f = facts("[::1]:3307", Engine::Mysql);
        assert_eq!(
            (f.values["login_host"].as_str(), f.values["login_port"].as_str()),
            ("::1", "3307")
        );
        assert_eq!(f.values["login_user"], "admin");
    }

    /// Every step of the pool's runbooks, every condition on, every placeholder filled with an
    /// empty value (the refused report, MariaDB's nameless sessions): no hole, no `<name>`.
    #[test]
    fn a_render_with_every_placeholder_empty_reads_well() {
        use crate::runbook::{Catalog, Dialect, apply};
        let catalog = Catalog::embedded().unwrap();
        for id in ["pool-exhaustion", "idle-in-transaction"] {
            let runbook = catalog.get(id).unwrap();
            let spec = crate::checks::CHECKS
                .iter()
                .find(|c| c.spec().name == runbook.check)
                .unwrap()
                .spec();
            let mut facts = Facts::default();
            for p in spec.placeholders.iter().chain(spec.item_placeholders) {
                facts.set(p, "");
            }
            facts.items.push(facts.values.clone());
            for c in spec.conditions {
                facts.flag(c);
            }
            for engine in [Engine::Postgres, Engine::Mysql] {
                let dialects = Dialect::spoken(engine, engine == Engine::Mysql, 0);
                for step in apply(runbook, engine, &dialects, &facts).steps {
                    let text = &step.text;
                    assert!(
                        !text.contains("  ") && !text.contains(" ,") && !text.contains("()"),
                        "{id}: {text}"
                    );
                    assert!(!text.contains("{{") && !text.contains("<"), "{id}: {text}");
                }
            }
        }
    }
}
