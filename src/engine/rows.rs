//! Plain rows the engines return, shared by PostgreSQL and MySQL so one check serves both.

/// Connection usage of a database server.
#[derive(Debug, Clone, Default)]
pub struct ServerPool {
    pub max_connections: i64,
    /// Slots only superusers (or roles with pg_use_reserved_connections) may take.
    pub reserved: i64,
    /// Client connections, not counting the tool's own.
    pub used: i64,
    /// Connections by state (PostgreSQL `state`, MySQL `COMMAND`), largest first.
    pub by_state: Vec<(String, i64)>,
    /// Who holds the connections, largest first, limited to `Limits::row_limit`.
    pub holders: Vec<Holder>,
    /// Sessions waiting on a lock (PostgreSQL `wait_event_type = 'Lock'`).
    pub lock_waiting: Option<i64>,
    pub oldest_idle_in_transaction: Option<IdleTransaction>,
    /// Server counters worth showing: name, value, unit (`""` or `"c"` for since-start counters).
    pub counters: Vec<(String, f64, &'static str)>,
    /// What the tool could not see (privileges), in the user's words.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Holder {
    pub database: String,
    pub user: String,
    pub application: String,
    pub client: String,
    pub connections: i64,
    pub active: i64,
    pub idle: i64,
    pub idle_in_transaction: i64,
}

#[derive(Debug, Clone, Default)]
pub struct IdleTransaction {
    pub pid: i64,
    pub user: String,
    pub database: String,
    pub application: String,
    pub client: String,
    pub seconds: f64,
}

/// PgBouncer's view: one row per pool, plus its global client limit.
#[derive(Debug, Clone, Default)]
pub struct BouncerPools {
    pub max_client_conn: i64,
    pub pools: Vec<BouncerPool>,
}

#[derive(Debug, Clone, Default)]
pub struct BouncerPool {
    pub database: String,
    pub user: String,
    pub pool_mode: String,
    pub cl_active: i64,
    pub cl_waiting: i64,
    pub sv_active: i64,
    pub sv_idle: i64,
    pub sv_used: i64,
    /// Server connections this pool may open (`pool_size`, 0 when unknown).
    pub pool_size: i64,
    /// How long the oldest waiting client has waited, in seconds.
    pub maxwait_seconds: f64,
}

#[derive(Debug, Clone)]
pub enum PoolSnapshot {
    Server(Box<ServerPool>),
    Bouncer(BouncerPools),
}

/// One client session as the queries check sees it. Ages are seconds; `None` when not
/// applicable (no statement running, no transaction open) or not visible to this role.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub pid: i64,
    pub user: String,
    pub database: String,
    pub application: String,
    pub client: String,
    /// PostgreSQL's `state`; MySQL threads are mapped to `active`, `idle` or `idle in transaction`.
    pub state: String,
    /// The statement text, whole and as the server gave it (may hold control characters).
    pub query: String,
    /// Age of the running (or, when idle, the last) statement.
    pub query_seconds: Option<f64>,
    /// Age of the open transaction.
    pub xact_seconds: Option<f64>,
    /// Time since the state last changed: how long an idle-in-transaction session has sat idle.
    pub state_seconds: Option<f64>,
    /// What it waits on: `Lock:transactionid`, `ClientRead`, MySQL's thread state.
    pub wait: Option<String>,
    /// Transactions its snapshot holds back vacuum by (PostgreSQL `age(backend_xmin)`).
    pub xmin_age: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct ActivitySnapshot {
    /// Sessions past the lowest threshold asked for; the check decides which matter.
    pub sessions: Vec<Activity>,
    /// Sessions of other roles this role may not see (no pg_monitor / PROCESS).
    pub hidden: i64,
    /// The session whose snapshot holds back vacuum the most: pid and xmin age.
    pub oldest_xmin: Option<(i64, i64)>,
    pub notes: Vec<String>,
}

/// A session in a lock chain: waiting, blocking, or both.
#[derive(Debug, Clone, Default)]
pub struct LockNode {
    pub pid: i64,
    /// The sessions it waits for (empty for a root blocker).
    pub blocked_by: Vec<i64>,
    pub user: String,
    pub database: String,
    pub application: String,
    pub client: String,
    pub state: String,
    pub query: String,
    /// How long it has waited for its lock.
    pub waiting_seconds: Option<f64>,
    pub xact_seconds: Option<f64>,
    /// The lock it waits for: mode and object (`AccessExclusiveLock on orders`, `metadata lock`).
    pub lock: Option<String>,
    /// True when `blocked_by` is inferred rather than read from the server (MySQL metadata locks
    /// without performance_schema).
    pub inferred: bool,
}

#[derive(Debug, Clone, Default)]
pub struct LockSnapshot {
    pub nodes: Vec<LockNode>,
    /// Where the waits were read from, in the user's words.
    pub source: String,
    /// Deadlocks since statistics were reset (PostgreSQL).
    pub deadlocks: Option<i64>,
    /// Lock-related settings worth a look: name and value.
    pub settings: Vec<(String, String)>,
    /// The latest deadlock InnoDB detected: when, and the statements involved.
    pub latest_deadlock: Option<(String, Vec<String>)>,
    pub notes: Vec<String>,
}
