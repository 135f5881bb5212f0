//! PostgreSQL sessions: connecting (TLS per sslmode) with the safety settings in the startup
//! packet, and running a batch of queries pipelined on the one connection, inside one read-only
//! transaction, in a single round trip. A statement the session runs a second time (a session
//! `serve` keeps between probes) is prepared then, once, so later runs neither parse it nor, once
//! the server settles on a generic plan, plan it again.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use anyhow::{Result, anyhow};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Statement};

pub(super) use super::pg_connect::open;
use super::rows::{Param, Query, QueryError, QueryResult, Rows, Value};
use super::{Attempt, ConnectError, Limits, ServerInfo, in_order};
use crate::target::{Engine, Target};

pub struct PgSession {
    client: Client,
    pub server: ServerInfo,
    limits: Limits,
    /// The safety settings travelled in the startup packet (not so through a PgBouncer that
    /// refuses `options`).
    startup_settings: bool,
    /// The statements this session ran, by SQL text.
    seen: HashSet<String>,
    /// The statements prepared on this session, by SQL text; `None`: it would not prepare
    /// (a view that is not there), so it runs unprepared and says why.
    prepared: HashMap<String, Option<Statement>>,
}

enum Out {
    Control(Result<(), String>),
    Query(QueryResult),
}

/// The savepoint each query runs under, so one failing query leaves the transaction usable.
const SAVEPOINT: &str = "/* dbrunbook */ SAVEPOINT dbrunbook";
const ROLLBACK_TO: &str = "/* dbrunbook */ ROLLBACK TO SAVEPOINT dbrunbook";
/// Opens every statement the tool sends, so that pg_stat_statements keeps it with this tag and
/// the slow check leaves the tool's own statements out (`slow_statements.sql`).
pub const OWN_TAG: &str = "/* dbrunbook */ ";

impl PgSession {
    pub async fn connect(target: &Target, limits: &Limits, attempt: &Attempt) -> Result<PgSession, ConnectError> {
        let first = Attempt::default();
        let ((client, version), startup_settings) = match open(target, limits, true, &first).await {
            // PgBouncer refuses startup parameters it does not know ("unsupported startup
            // parameter: options") unless told to ignore them; the transaction's SET LOCALs
            // then carry the settings alone. The refused try is no phase of the attempt.
            Err(e) if e.message.contains("unsupported startup parameter") => {
                crate::log::info("the server (a PgBouncer?) refused startup options: settings go in the transaction");
                (open(target, limits, false, attempt).await?, false)
            }
            other => {
                attempt.extend(&first);
                (other?, true)
            }
        };
        Ok(PgSession {
            client,
            server: ServerInfo {
                engine: Engine::Postgres,
                reused: None,
                version_num: version_num(&version),
                version,
                mariadb: false,
                phases: Vec::new(),
            },
            limits: *limits,
            startup_settings,
            seen: HashSet::new(),
            prepared: HashMap::new(),
        })
    }

    /// The connection is still up, as far as the driver has seen (a server that went away has
    /// closed it; one that went away silently is found out by the next query).
    pub fn is_open(&self) -> bool {
        !self.client.is_closed()
    }

    /// One flight: BEGIN READ ONLY with the settings again as SET LOCAL (in case a pooler
    /// dropped the startup options), then each query between a savepoint and a rollback to it,
    /// then COMMIT. All requests are written before any answer is read. The server's own
    /// lock_timeout (the role's, database's or configuration's: it is never a startup option
    /// here) is kept as `dbrunbook.server_lock_timeout` before the tool sets its own, for the
    /// locks check: reading it from pg_settings builds every setting's row (0.9 ms of a run).
    pub async fn run(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        let begin = format!(
            "{OWN_TAG}BEGIN READ ONLY; {OWN_TAG}SET LOCAL search_path = pg_catalog, pg_temp; \
             {OWN_TAG}SET LOCAL row_security = off; {OWN_TAG}SET LOCAL statement_timeout = {}; \
             {OWN_TAG}SELECT pg_catalog.set_config('dbrunbook.server_lock_timeout', \
             pg_catalog.current_setting('lock_timeout'), true); \
             {OWN_TAG}SET LOCAL lock_timeout = {}",
            self.limits.statement_timeout.as_millis().max(1),
            self.limits.lock_timeout.as_millis().max(1),
        );
        self.prepare(queries).await;
        let client = &self.client;
        let prepared = &self.prepared;
        if !self.startup_settings {
            // Nothing may run before search_path is pinned: without the startup options that
            // costs one round trip of its own.
            client
                .simple_query(&begin)
                .await
                .map_err(|e| anyhow!("starting the read-only transaction: {}", describe(&e)))?;
        }
        type Step<'a> = Pin<Box<dyn Future<Output = Out> + 'a>>;
        let control = |sql: String| -> Step<'_> {
            Box::pin(async move { Out::Control(client.simple_query(&sql).await.map(|_| ()).map_err(|e| describe(&e))) })
        };
        let mut steps: Vec<Step> = Vec::with_capacity(queries.len() * 3 + 2);
        if self.startup_settings {
            steps.push(control(begin));
        }
        for q in queries {
            steps.push(control(SAVEPOINT.into()));
            let statement = prepared.get(q.sql.as_ref()).and_then(Option::as_ref);
            steps.push(Box::pin(async move { Out::Query(query(client, q, statement).await) }));
            steps.push(control(ROLLBACK_TO.into()));
        }
        steps.push(control(format!("{OWN_TAG}COMMIT")));
        let mut results = Vec::with_capacity(queries.len());
        for out in in_order(steps).await {
            match out {
                Out::Query(r) => results.push(r),
                Out::Control(Err(e)) => return Err(anyhow!("the read-only transaction failed: {e}")),
                Out::Control(Ok(())) => {}
            }
        }
        // A prepared statement that failed may be stale (a view dropped and made again): it is
        // prepared anew next time.
        for (q, r) in queries.iter().zip(&results) {
            if r.is_err() {
                self.prepared.remove(q.sql.as_ref());
            }
        }
        Ok(results)
    }

    /// Prepares the statements run before and not prepared yet, all in one flight, outside the
    /// transaction: only where the startup packet pinned search_path, so that names resolve as
    /// in the transaction. One that fails to prepare is remembered as such and runs unprepared.
    /// A statement run once is only noted: a one-off run pays no round trip for preparing.
    async fn prepare(&mut self, queries: &[Query]) {
        if !self.startup_settings {
            return;
        }
        let mut missing: Vec<&Query> = Vec::new();
        for q in queries {
            if !self.prepared.contains_key(q.sql.as_ref())
                && !self.seen.insert(q.sql.to_string())
                && !missing.iter().any(|m| m.sql == q.sql)
            {
                missing.push(q);
            }
        }
        if missing.is_empty() {
            return;
        }
        let client = &self.client;
        type Preparing<'a> = Pin<Box<dyn Future<Output = Option<Statement>> + 'a>>;
        let preparing: Vec<Preparing> = missing
            .iter()
            .map(|q| -> Preparing {
                let types: Vec<Type> = q.params.iter().map(|p| typed(p).1).collect();
                Box::pin(async move { client.prepare_typed(&format!("{OWN_TAG}{}", q.sql), &types).await.ok() })
            })
            .collect();
        let statements = in_order(preparing).await;
        for (q, statement) in missing.into_iter().zip(statements) {
            self.prepared.insert(q.sql.to_string(), statement);
        }
    }
}

/// A parameter as the driver sends it, with its type.
fn typed(p: &Param) -> (Box<dyn ToSql + Sync + Send>, Type) {
    match *p {
        Param::Int(n) => (Box::new(n), Type::INT8),
        Param::Float(f) => (Box::new(f), Type::FLOAT8),
    }
}

async fn query(client: &Client, q: &Query, statement: Option<&Statement>) -> QueryResult {
    let params: Vec<(Box<dyn ToSql + Sync + Send>, Type)> = q.params.iter().map(typed).collect();
    let rows = match statement {
        Some(statement) => {
            let values: Vec<&(dyn ToSql + Sync)> = params.iter().map(|(v, _)| v.as_ref() as _).collect();
            client.query(statement, &values).await
        }
        None => {
            client
                .query_typed(
                    &format!("{OWN_TAG}{}", q.sql),
                    &params
                        .iter()
                        .map(|(v, t)| (v.as_ref() as &(dyn ToSql + Sync), t.clone()))
                        .collect::<Vec<_>>(),
                )
                .await
        }
    }
    .map_err(|e| QueryError {
        denied: e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE),
        message: describe(&e),
    })?;
    let mut out = Rows::default();
    if let Some(first) = rows.first() {
        out.columns = first.columns().iter().map(|c| c.name().to_string()).collect();
    }
    for row in &rows {
        let mut values = Vec::with_capacity(row.len());
        for (i, col) in row.columns().iter().enumerate() {
            values.push(value(row, i, col.type_()).map_err(|e| QueryError {
                message: format!("column {}: {e}", col.name()),
                denied: false,
            })?);
        }
        out.rows.push(values);
    }
    Ok(out)
}

/// The few column types the SQL files return; anything else must be cast to text there.
fn value(row: &tokio_postgres::Row, i: usize, ty: &Type) -> Result<Value, tokio_postgres::Error> {
    let v = match *ty {
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
        Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(|n| Value::Int(n.into())),
        Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|n| Value::Int(n.into())),
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(i)?.map(|f| Value::Float(f.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Float),
        Type::INT4_ARRAY => row
            .try_get::<_, Option<Vec<i32>>>(i)?
            .map(|v| Value::Ints(v.into_iter().map(i64::from).collect())),
        Type::INT8_ARRAY => row.try_get::<_, Option<Vec<i64>>>(i)?.map(Value::Ints),
        _ => row.try_get::<_, Option<String>>(i)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

/// The server's words for a failed query, or the driver's.
/// A client with the tool's TLS rules and none of the diagnosis session's startup settings:
/// for `restore-check`, whose scratch database is the one thing the tool writes.
pub(crate) async fn open_for_writing(target: &Target, limits: &Limits) -> Result<(Client, String), ConnectError> {
    open(target, limits, false, &Attempt::default()).await
}

pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// `15.4 (Debian 15.4-1.pgdg120+1)` → 150004; `9.6.24` → 90624.
pub(super) fn version_num(version: &str) -> u32 {
    let nums: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take_while(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match nums.as_slice() {
        [major, rest @ ..] if *major >= 10 => major * 10000 + rest.first().copied().unwrap_or(0),
        [major, minor, patch, ..] => major * 10000 + minor * 100 + patch,
        [major, minor] => major * 10000 + minor * 100,
        _ => 0,
    }
}
