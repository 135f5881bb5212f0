//! Database sessions, one file per engine: connecting with the safety settings (read-only,
//! `dbrunbook` as the application, `search_path` pinned to `pg_catalog`, short statement and lock
//! timeouts) and running a batch of queries in as few round trips as the protocol allows. Engines
//! return plain rows; they know nothing of checks, thresholds or advice.

pub mod attempt;
pub mod mysql;
mod mysql_greeting;
mod pg_connect;
pub mod pgbouncer;
pub mod postgres;
mod resolve;
pub mod rows;
mod tls;

use std::fmt;
use std::time::Duration;

use anyhow::Result;

use crate::target::{Engine, HostPort, Target};
pub use attempt::{Attempt, Failure, Phase, Step};
pub use rows::{Param, Query, QueryError, QueryResult, Row, Rows, Value};

/// The name every session announces (`application_name`, MySQL `program_name`).
pub const APPLICATION_NAME: &str = "dbrunbook";

/// Time limits for the tool's own sessions.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// Longest any one diagnostic statement may run.
    pub statement_timeout: Duration,
    /// Longest the tool waits for a lock; it should never queue behind a lock at all.
    pub lock_timeout: Duration,
}

/// What the tool learned about the server while connecting, before any query ran.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub engine: Engine,
    /// As the server reports it: `15.4 (Debian 15.4-1)`, `10.11.6-MariaDB`, `PgBouncer 1.23.1`.
    pub version: String,
    /// Comparable: PostgreSQL 15.4 is 150004, MySQL 8.0.36 is 80036, MariaDB 10.11.6 is 101106.
    pub version_num: u32,
    pub mariadb: bool,
    /// How the connection was made, phase by phase, with timings.
    pub phases: Vec<Phase>,
    /// The run's queries went over a session kept from earlier runs (`serve`), opened this
    /// long ago; `phases` are then those of a connection made afresh alongside, to measure.
    pub reused: Option<std::time::Duration>,
}

/// Why the tool's own connection failed; the kinds the checks branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    /// The server (or PgBouncer) refused: no connection slot left.
    ServerFull,
    Auth,
    Unreachable,
    Timeout,
    /// TLS could not be set up: certificate not trusted, or no TLS on the server.
    Tls,
    Other,
}

#[derive(Debug, Clone)]
pub struct ConnectError {
    pub kind: ConnectErrorKind,
    /// The server's or the network's own words, already free of secrets.
    pub message: String,
    /// Every phase tried, the failed ones included, in order.
    pub phases: Vec<Phase>,
    /// Who tried: the target's user and database (for advice about grants and pg_hba lines).
    pub user: String,
    pub database: Option<String>,
}

impl ConnectError {
    pub fn new(kind: ConnectErrorKind, message: impl Into<String>) -> ConnectError {
        ConnectError {
            kind,
            message: message.into(),
            phases: Vec::new(),
            user: String::new(),
            database: None,
        }
    }

    /// The failed phase that decided the verdict: a refusal for lack of slots, else the last
    /// failure (with several hosts, the last host's).
    pub fn failed_phase(&self) -> Option<&Phase> {
        let failed = || self.phases.iter().filter(|p| p.failure.is_some());
        failed()
            .find(|p| p.failure == Some(Failure::TooManyClients))
            .or_else(|| failed().next_back())
    }

    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            ConnectErrorKind::ServerFull => "every connection slot is taken; see the pool-exhaustion runbook",
            ConnectErrorKind::Auth => {
                "check the user name and password (in the URL, PGPASSWORD or DATABASE_URL) and the server's pg_hba.conf / GRANTs"
            }
            ConnectErrorKind::Unreachable => {
                "check the host and port, that the server is running and listening there, and any firewall"
            }
            ConnectErrorKind::Timeout => {
                "the server did not answer in time: check the network path, or raise --connect-timeout if the link is slow"
            }
            ConnectErrorKind::Tls => {
                "TLS failed: to verify the server, pass its CA with sslrootcert=/path/ca.pem (MySQL: ssl-ca=); \
                 to encrypt without verifying use sslmode=require; if the server has no TLS use sslmode=prefer or disable"
            }
            ConnectErrorKind::Other => "check the connection URL and the server log",
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.hint())
    }
}

/// An open, read-only diagnostic session.
pub enum Session {
    Postgres(postgres::PgSession),
    Mysql(mysql::MySession),
    Pgbouncer(pgbouncer::BouncerSession),
}

impl Session {
    /// Connects and applies the safety settings, all within `limits.connect_timeout`.
    pub async fn connect(target: &Target, limits: &Limits) -> Result<Session, ConnectError> {
        let attempt = Attempt::default();
        let connecting = async {
            Ok::<_, ConnectError>(match target.engine {
                Engine::Postgres => Session::Postgres(postgres::PgSession::connect(target, limits, &attempt).await?),
                Engine::Mysql => Session::Mysql(mysql::MySession::connect(target, limits, &attempt).await?),
                Engine::Pgbouncer => {
                    Session::Pgbouncer(pgbouncer::BouncerSession::connect(target, limits, &attempt).await?)
                }
            })
        };
        // Each host of a multi-host URL gets the connect timeout of its own, as in libpq; each
        // phase is bounded within it, so this is only the backstop.
        let bound = limits.connect_timeout * target.hosts.len().max(1) as u32 + Duration::from_millis(500);
        let redact = |message: &str| crate::redact::driver_message(message, target.password.as_deref());
        let phases = || {
            attempt
                .phases()
                .into_iter()
                .map(|p| Phase {
                    detail: redact(&p.detail),
                    ..p
                })
                .collect::<Vec<_>>()
        };
        match tokio::time::timeout(bound, connecting).await {
            Ok(Ok(mut session)) => {
                session.server_mut().phases = phases();
                Ok(session)
            }
            Ok(Err(e)) => Err(ConnectError {
                message: redact(&e.message),
                phases: phases(),
                user: target.user.clone(),
                database: target.dbname.clone(),
                ..e
            }),
            Err(_) => Err(ConnectError {
                phases: phases(),
                user: target.user.clone(),
                database: target.dbname.clone(),
                ..ConnectError::new(
                    ConnectErrorKind::Timeout,
                    format!(
                        "no answer from {} within the connect timeout of {}",
                        describe_hosts(target),
                        crate::units::format_duration(limits.connect_timeout)
                    ),
                )
            }),
        }
    }

    pub fn server(&self) -> &ServerInfo {
        match self {
            Session::Postgres(s) => &s.server,
            Session::Mysql(s) => &s.server,
            Session::Pgbouncer(s) => &s.server,
        }
    }

    /// Whether the session may serve another run: a PostgreSQL or MySQL session whose
    /// connection is still open as far as the driver has seen (one the server ended since is
    /// found out by the next run, which fails, and the pipeline diagnoses again on a new
    /// connection). PgBouncer's console is no place to linger: never kept.
    pub fn reusable(&self) -> bool {
        match self {
            Session::Postgres(s) => s.is_open(),
            Session::Mysql(s) => s.is_open(),
            Session::Pgbouncer(_) => false,
        }
    }

    pub fn server_mut(&mut self) -> &mut ServerInfo {
        match self {
            Session::Postgres(s) => &mut s.server,
            Session::Mysql(s) => &mut s.server,
            Session::Pgbouncer(s) => &mut s.server,
        }
    }

    /// Runs every query, in order, and returns one result per query: a query that fails does
    /// not stop the others. `Err` only when the session itself broke.
    pub async fn run(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        match self {
            Session::Postgres(s) => s.run(queries).await,
            Session::Mysql(s) => s.run(queries).await,
            Session::Pgbouncer(s) => s.run(queries).await,
        }
    }

    pub async fn close(self) {
        match self {
            Session::Mysql(s) => s.close().await,
            // Dropping the client ends the session.
            Session::Postgres(_) | Session::Pgbouncer(_) => {}
        }
    }
}

/// Polls every future in order until all are done. The order of first polls is the order in
/// which requests reach the connection, so a pipelined batch keeps its statement order.
pub(crate) async fn in_order<'a, T>(mut futures: Vec<std::pin::Pin<Box<dyn Future<Output = T> + 'a>>>) -> Vec<T> {
    let mut done: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futures.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

pub fn describe_hosts(target: &Target) -> String {
    target.hosts.iter().map(describe_host).collect::<Vec<_>>().join(", ")
}

/// `db1:5432`, `socket /tmp/.s.PGSQL.5432`, or with libpq's hostaddr both the name and the
/// address connected to: `db.example.com (10.0.0.5):5432`.
pub fn describe_host(h: &HostPort) -> String {
    match h.addr {
        _ if h.is_socket() => format!("socket {}/.s.PGSQL.{}", h.host, h.port),
        Some(addr) => format!("{} ({addr}):{}", h.host, h.port),
        None => format!("{}:{}", h.host, h.port),
    }
}
