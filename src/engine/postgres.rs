//! PostgreSQL sessions: connecting (TLS per sslmode) with the safety settings in the startup
//! packet, and running a batch of queries pipelined on the one connection, inside one read-only
//! transaction, in a single round trip.

use std::future::Future;
use std::pin::Pin;

use anyhow::{Result, anyhow};
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};

use super::rows::{Param, Query, QueryError, QueryResult, Rows, Value};
use super::{APPLICATION_NAME, ConnectError, ConnectErrorKind, Limits, ServerInfo, in_order};
use crate::target::{Engine, Target, TlsMode};

pub struct PgSession {
    client: Client,
    pub server: ServerInfo,
    limits: Limits,
    /// The safety settings travelled in the startup packet (not so through a PgBouncer that
    /// refuses `options`).
    startup_settings: bool,
}

enum Out {
    Control(Result<(), String>),
    Query(QueryResult),
}

/// The savepoint each query runs under, so one failing query leaves the transaction usable.
const SAVEPOINT: &str = "SAVEPOINT dbrunbook";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT dbrunbook";

impl PgSession {
    pub async fn connect(target: &Target, limits: &Limits) -> Result<PgSession, ConnectError> {
        let ((client, version), startup_settings) = match open(target, limits, true).await {
            // PgBouncer refuses startup parameters it does not know ("unsupported startup
            // parameter: options") unless told to ignore them; the transaction's SET LOCALs
            // then carry the settings alone.
            Err(e) if e.message.contains("unsupported startup parameter") => {
                crate::log::info("the server (a PgBouncer?) refused startup options: settings go in the transaction");
                (open(target, limits, false).await?, false)
            }
            other => (other?, true),
        };
        Ok(PgSession {
            client,
            server: ServerInfo {
                engine: Engine::Postgres,
                version_num: version_num(&version),
                version,
                mariadb: false,
            },
            limits: *limits,
            startup_settings,
        })
    }

    /// One flight: BEGIN READ ONLY with the settings again as SET LOCAL (in case a pooler
    /// dropped the startup options), then each query between a savepoint and a rollback to it,
    /// then COMMIT. All requests are written before any answer is read.
    pub async fn run(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        let begin = format!(
            "BEGIN READ ONLY; SET LOCAL search_path = pg_catalog, pg_temp; SET LOCAL row_security = off; \
             SET LOCAL statement_timeout = {}; \
             SET LOCAL lock_timeout = {}",
            self.limits.statement_timeout.as_millis().max(1),
            self.limits.lock_timeout.as_millis().max(1),
        );
        let client = &self.client;
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
            steps.push(Box::pin(async move { Out::Query(query(client, q).await) }));
            steps.push(control(ROLLBACK_TO.into()));
        }
        steps.push(control("COMMIT".into()));
        let mut results = Vec::with_capacity(queries.len());
        for out in in_order(steps).await {
            match out {
                Out::Query(r) => results.push(r),
                Out::Control(Err(e)) => return Err(anyhow!("the read-only transaction failed: {e}")),
                Out::Control(Ok(())) => {}
            }
        }
        Ok(results)
    }
}

async fn query(client: &Client, q: &Query) -> QueryResult {
    let params: Vec<(Box<dyn ToSql + Sync + Send>, Type)> = q
        .params
        .iter()
        .map(|p| -> (Box<dyn ToSql + Sync + Send>, Type) {
            match *p {
                Param::Int(n) => (Box::new(n), Type::INT8),
                Param::Float(f) => (Box::new(f), Type::FLOAT8),
            }
        })
        .collect();
    let rows = client
        .query_typed(
            &q.sql,
            &params
                .iter()
                .map(|(v, t)| (v.as_ref() as &(dyn ToSql + Sync), t.clone()))
                .collect::<Vec<_>>(),
        )
        .await
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
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// `15.4 (Debian 15.4-1.pgdg120+1)` → 150004; `9.6.24` → 90624.
fn version_num(version: &str) -> u32 {
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

/// Opens a client with TLS per sslmode, its connection driven on the runtime; returns it with
/// the server's version from the startup parameters. With `startup_settings`, the session's
/// safety settings go in the startup packet, where they outrank the database's and the role's
/// own `ALTER ... SET` (a hostile `search_path` among them).
pub(crate) async fn open(
    target: &Target,
    limits: &Limits,
    startup_settings: bool,
) -> Result<(Client, String), ConnectError> {
    // libpq's failover: each host in order, each within the connect timeout, until one answers
    // and has the role `target_session_attrs` asks for.
    let mut last = None;
    for host in &target.hosts {
        let attempt = tokio::time::timeout(
            limits.connect_timeout,
            open_host(target, host, limits, startup_settings),
        );
        let err = match attempt.await {
            Ok(Ok((client, version, standby))) if target.session_attrs.accepts(standby) => {
                return Ok((client, version));
            }
            Ok(Ok((_, _, standby))) => ConnectError::new(
                ConnectErrorKind::Other,
                format!(
                    "{}:{} is {} (target_session_attrs={})",
                    host.host,
                    host.port,
                    if standby == Some(true) {
                        "a standby"
                    } else {
                        "a primary"
                    },
                    target.session_attrs.name()
                ),
            ),
            Ok(Err(e)) => e,
            Err(_) => ConnectError::new(
                ConnectErrorKind::Timeout,
                format!(
                    "no answer from {}:{} within the connect timeout of {}",
                    host.host,
                    host.port,
                    crate::units::format_duration(limits.connect_timeout)
                ),
            ),
        };
        crate::log::info(&format!("{}:{}: {}", host.host, host.port, err.message));
        // A refusal for lack of slots says more than the next host's failure would.
        if !matches!(
            &last,
            Some(ConnectError {
                kind: ConnectErrorKind::ServerFull,
                ..
            })
        ) {
            last = Some(err);
        }
    }
    Err(last.unwrap_or_else(|| ConnectError::new(ConnectErrorKind::Other, "no host to connect to")))
}

/// One host: the client, the server's version and whether it is a hot standby (PostgreSQL 14+
/// says so in the startup parameters; `None` before).
async fn open_host(
    target: &Target,
    host: &crate::target::HostPort,
    limits: &Limits,
    startup_settings: bool,
) -> Result<(Client, String, Option<bool>), ConnectError> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&target.user)
        .application_name(APPLICATION_NAME)
        .connect_timeout(limits.connect_timeout)
        .host(&host.host)
        .port(host.port);
    if startup_settings {
        // lock_timeout stays out: the locks check reads the server's own value from
        // pg_settings.reset_val, which startup options would overwrite; the transaction's
        // SET LOCAL applies it to every query all the same.
        cfg.options(format!(
            "-c search_path=pg_catalog,pg_temp -c default_transaction_read_only=on -c statement_timeout={} \
             -c idle_in_transaction_session_timeout={}",
            limits.statement_timeout.as_millis().max(1),
            limits.statement_timeout.as_millis().max(1),
        ));
    }
    if let Some(pw) = &target.password {
        cfg.password(pw);
    }
    if let Some(db) = &target.dbname {
        cfg.dbname(db);
    }
    cfg.ssl_mode(match target.tls {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    fn started<S, T>((client, connection): (Client, tokio_postgres::Connection<S, T>)) -> (Client, String, Option<bool>)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let version = connection.parameter("server_version").unwrap_or_default().to_string();
        let standby = connection.parameter("in_hot_standby").map(|v| v == "on");
        tokio::spawn(connection);
        (client, version, standby)
    }
    if target.tls == TlsMode::Disable {
        cfg.connect(NoTls).await.map(started).map_err(|e| classify(&e))
    } else {
        let tls = super::tls::client_config(target)
            .map_err(|e| ConnectError::new(ConnectErrorKind::Other, format!("{e:#}")))?;
        cfg.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .await
            .map(started)
            .map_err(|e| classify(&e))
    }
}

/// Sorts a driver error into the kinds the checks branch on, keeping the server's words.
pub(super) fn classify(e: &tokio_postgres::Error) -> ConnectError {
    if let Some(db) = e.as_db_error() {
        let msg = db.message();
        let kind = if *db.code() == SqlState::TOO_MANY_CONNECTIONS || msg.contains("max_client_conn") {
            ConnectErrorKind::ServerFull
        } else if matches!(
            *db.code(),
            SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        ) {
            ConnectErrorKind::Auth
        } else {
            ConnectErrorKind::Other
        };
        return ConnectError::new(
            kind,
            format!("server said: {} {}: {}", db.severity(), db.code().code(), msg),
        );
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    let mut io = false;
    while let Some(s) = source {
        io |= s.is::<std::io::Error>();
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    let kind = if text.contains("TLS") || text.contains("certificate") || text.contains("server does not support") {
        ConnectErrorKind::Tls
    } else if text.contains("timeout") || text.contains("timed out") {
        ConnectErrorKind::Timeout
    } else if text.contains("password") {
        ConnectErrorKind::Auth
    } else if io {
        ConnectErrorKind::Unreachable
    } else {
        ConnectErrorKind::Other
    };
    ConnectError::new(kind, text)
}
