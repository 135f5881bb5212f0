//! Database sessions, one file per engine: connecting with the safety settings (read-only,
//! `dbrunbook` as the application, short statement and lock timeouts) and the SQL each check
//! needs. Engines return the plain rows in `rows`; they know nothing of thresholds or output.

pub mod mysql;
mod mysql_locks;
pub mod pgbouncer;
pub mod postgres;
pub mod rows;
mod tls;

use std::fmt;
use std::time::Duration;

use anyhow::Result;

use crate::target::{Engine, Target};
pub use rows::{ActivitySnapshot, LockSnapshot, PoolSnapshot};

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
    /// Rows of detail per list (top holders...); totals stay exact.
    pub row_limit: usize,
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
}

impl ConnectError {
    pub fn new(kind: ConnectErrorKind, message: impl Into<String>) -> ConnectError {
        ConnectError {
            kind,
            message: message.into(),
        }
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
        let attempt = async {
            Ok(match target.engine {
                Engine::Postgres => Session::Postgres(postgres::PgSession::connect(target, limits).await?),
                Engine::Mysql => Session::Mysql(mysql::MySession::connect(target, limits).await?),
                Engine::Pgbouncer => Session::Pgbouncer(pgbouncer::BouncerSession::connect(target, limits).await?),
            })
        };
        match tokio::time::timeout(limits.connect_timeout, attempt).await {
            Ok(result) => result.map_err(|e: ConnectError| ConnectError {
                message: crate::text::redact(&e.message, &target.secrets()),
                ..e
            }),
            Err(_) => Err(ConnectError::new(
                ConnectErrorKind::Timeout,
                format!(
                    "no answer from {} within the connect timeout of {}",
                    describe_hosts(target),
                    crate::units::format_duration(limits.connect_timeout)
                ),
            )),
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Session::Postgres(_) => Engine::Postgres,
            Session::Mysql(_) => Engine::Mysql,
            Session::Pgbouncer(_) => Engine::Pgbouncer,
        }
    }

    pub fn server_version(&self) -> &str {
        match self {
            Session::Postgres(s) => &s.version,
            Session::Mysql(s) => &s.version,
            Session::Pgbouncer(s) => &s.version,
        }
    }

    pub async fn pool_snapshot(&mut self, limits: &Limits) -> Result<PoolSnapshot> {
        match self {
            Session::Postgres(s) => s.pool_snapshot(limits).await.map(|p| PoolSnapshot::Server(Box::new(p))),
            Session::Mysql(s) => s.pool_snapshot(limits).await.map(|p| PoolSnapshot::Server(Box::new(p))),
            Session::Pgbouncer(s) => s.pool_snapshot().await.map(PoolSnapshot::Bouncer),
        }
    }

    pub async fn activity(&mut self, min_seconds: f64, idle_min_seconds: f64) -> Result<ActivitySnapshot> {
        match self {
            Session::Postgres(s) => s.activity(min_seconds, idle_min_seconds).await,
            Session::Mysql(s) => s.activity(min_seconds, idle_min_seconds).await,
            Session::Pgbouncer(_) => anyhow::bail!(
                "PgBouncer's admin console has no query activity: point --url at the PostgreSQL server behind it"
            ),
        }
    }

    pub async fn locks(&mut self) -> Result<LockSnapshot> {
        match self {
            Session::Postgres(s) => s.locks().await,
            Session::Mysql(s) => s.locks().await,
            Session::Pgbouncer(_) => anyhow::bail!(
                "PgBouncer's admin console has no lock information: point --url at the PostgreSQL server behind it"
            ),
        }
    }

    pub async fn close(self) {
        if let Session::Mysql(s) = self {
            s.close().await;
        }
    }
}

pub fn describe_hosts(target: &Target) -> String {
    target
        .hosts
        .iter()
        .map(|h| {
            if h.is_socket() {
                format!("socket {}/.s.PGSQL.{}", h.host, h.port)
            } else {
                format!("{}:{}", h.host, h.port)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
