//! MySQL and MariaDB sessions: connecting (TLS per ssl-mode), and running a batch as one
//! multi-statement request: the session's safety settings first, then every query. The server
//! stops a multi-statement request at the first error, so the rest is sent again after it.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, DriverError, OptsBuilder, SslOpts};

use super::rows::{Query, QueryError, QueryResult, Rows, Value};
use std::time::Instant;

use tokio::time::timeout_at;

use super::attempt::{Attempt, Failure, Step};
use super::{APPLICATION_NAME, ConnectError, ConnectErrorKind, Limits, ServerInfo};
use crate::target::{Engine, Target, TlsMode};

pub struct MySession {
    conn: Conn,
    pub server: ServerInfo,
    limits: Limits,
    /// The safety settings go out with the first batch; later batches need them no more.
    settings_sent: bool,
    /// A batch failed on the connection itself (not a statement's error): the session is not
    /// to serve another run.
    broken: bool,
}

impl MySession {
    /// Resolves the host here (every address on record), then lets the driver connect to each
    /// address in turn: it does TCP, TLS and the handshake in one call, so their time is one
    /// phase, and a failure is put in the phase its error belongs to. No separate TCP probe: a
    /// connection closed before the handshake counts against the server's max_connect_errors
    /// and would end with this host blocked (1129).
    pub async fn connect(target: &Target, limits: &Limits, attempt: &Attempt) -> Result<MySession, ConnectError> {
        let host = &target.hosts[0];
        let name = if host.is_socket() {
            host.host.clone()
        } else {
            format!("{}:{}", host.host, host.port)
        };
        let deadline = tokio::time::Instant::now() + limits.connect_timeout;
        let timed_out = || {
            ConnectError::new(
                ConnectErrorKind::Timeout,
                format!(
                    "no answer from {name} within the connect timeout of {}",
                    crate::units::format_duration(limits.connect_timeout)
                ),
            )
        };
        let addresses: Vec<Option<std::net::IpAddr>> = if host.is_socket() {
            vec![None]
        } else {
            let found = super::resolve::resolve(host, &name, attempt, deadline, &timed_out).await?;
            found.into_iter().map(|a| Some(a.ip())).collect()
        };
        let conn = open_first(target, limits, attempt, &name, addresses, deadline, &timed_out).await?;
        Ok(MySession {
            server: server_info(&conn),
            conn,
            limits: *limits,
            settings_sent: false,
            broken: false,
        })
    }

    /// Read-only transactions, a statement timeout (MariaDB `max_statement_time` in seconds,
    /// MySQL `max_execution_time` in milliseconds) and short lock waits.
    fn settings(&self) -> Vec<String> {
        let lock_secs = self.limits.lock_timeout.as_secs().max(1);
        vec![
            "SET SESSION TRANSACTION READ ONLY".to_string(),
            if self.server.mariadb {
                format!(
                    "SET SESSION max_statement_time = {:.3}",
                    self.limits.statement_timeout.as_secs_f64()
                )
            } else {
                format!(
                    "SET SESSION max_execution_time = {}",
                    self.limits.statement_timeout.as_millis().max(1)
                )
            },
            format!("SET SESSION lock_wait_timeout = {lock_secs}"),
            format!("SET SESSION innodb_lock_wait_timeout = {lock_secs}"),
        ]
    }

    /// Whether the connection is still usable as far as this side has seen. The driver cannot
    /// tell a closed connection without a round trip: a server that ended it (a restart, KILL,
    /// `wait_timeout`) is found out by the next batch, which then fails and marks it broken.
    pub fn is_open(&self) -> bool {
        !self.broken
    }

    pub async fn run(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        let ran = self.run_batch(queries).await;
        self.broken |= ran.is_err();
        ran
    }

    async fn run_batch(&mut self, queries: &[Query]) -> Result<Vec<QueryResult>> {
        let prelude = if self.settings_sent { vec![] } else { self.settings() };
        let mut results: Vec<Option<QueryResult>> = vec![None; queries.len()];
        let mut fallback = vec![false; queries.len()];
        let mut next = 0;
        let mut first = true;
        while next < queries.len() || first {
            let settings: &[String] = if first { &prelude } else { &[] };
            let statements: Vec<String> = settings
                .iter()
                .cloned()
                .chain(
                    queries[next..]
                        .iter()
                        .zip(&fallback[next..])
                        .map(|(q, f)| q.inlined(*f)),
                )
                .collect();
            first = false;
            if statements.is_empty() {
                break;
            }
            let (sets, error) = self.multi(&statements.join(";\n"), statements.len()).await?;
            let mut done = sets.into_iter();
            for _ in settings {
                if done.next().is_none() {
                    let e = error.as_ref().map(|e| e.message.as_str()).unwrap_or("no answer");
                    return Err(anyhow!("applying the session's safety settings failed: {e}"));
                }
            }
            for rows in done {
                results[next] = Some(Ok(Rows {
                    fallback_used: fallback[next],
                    ..rows
                }));
                next += 1;
            }
            let Some(e) = error else {
                if next < queries.len() {
                    return Err(anyhow!("the server answered {next} of {} queries", queries.len()));
                }
                break;
            };
            {
                if e.denied && queries[next].fallback.is_some() && !fallback[next] {
                    fallback[next] = true;
                } else {
                    results[next] = Some(Err(e));
                    next += 1;
                }
            }
        }
        self.settings_sent = true;
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(QueryError {
                        message: "not run".into(),
                        denied: false,
                    })
                })
            })
            .collect())
    }

    /// Sends one multi-statement request of `expected` statements; returns the result sets up
    /// to the first error, and that error. `Err` only when the connection itself failed.
    async fn multi(&mut self, sql: &str, expected: usize) -> Result<(Vec<Rows>, Option<QueryError>)> {
        let mut sets = Vec::new();
        let mut result = match self.conn.query_iter(sql).await {
            Ok(r) => r,
            Err(e) => return Ok((sets, Some(statement_error(e)?))),
        };
        loop {
            let columns: Vec<String> = result.columns_ref().iter().map(|c| c.name_str().into_owned()).collect();
            match result.collect::<mysql_async::Row>().await {
                Ok(rows) => sets.push(Rows {
                    columns,
                    rows: rows.into_iter().map(values).collect(),
                    fallback_used: false,
                }),
                Err(e) => return Ok((sets, Some(statement_error(e)?))),
            }
            if sets.len() == expected {
                return Ok((sets, None));
            }
            if result.is_empty() {
                // The driver shows an error that ended the request only on the next read.
                return match result.collect::<mysql_async::Row>().await {
                    Err(e) => Ok((sets, Some(statement_error(e)?))),
                    Ok(_) => Err(anyhow!("the server answered {} of {expected} statements", sets.len())),
                };
            }
        }
    }

    pub async fn close(self) {
        let _ = self.conn.disconnect().await;
    }
}

/// An error the server sends as it ends the session, not about a statement: MariaDB's 1927
/// (KILL CONNECTION), MySQL 8's 4031 (idle past `wait_timeout`; MySQL 8 cannot be installed
/// here, so this one is untested), 1053 (shutting down).
fn ends_session(e: &mysql_async::ServerError) -> bool {
    matches!(e.code, 1053 | 1927 | 4031)
}

/// A statement's error, which ends the request but not the session; `Err` when the connection
/// itself failed or the server is ending the session.
fn statement_error(e: mysql_async::Error) -> Result<QueryError> {
    match e {
        mysql_async::Error::Server(e) if !ends_session(&e) => Ok(QueryError {
            message: format!("ERROR {} ({}): {}", e.code, e.state, e.message),
            denied: e.code == 1227,
        }),
        e => Err(anyhow!("{e}")),
    }
}

/// Tries each address in turn until the driver's handshake succeeds on one. The next address
/// only when this one could not be reached, as libpq does.
async fn open_first(
    target: &Target,
    limits: &Limits,
    attempt: &Attempt,
    name: &str,
    addresses: Vec<Option<std::net::IpAddr>>,
    deadline: tokio::time::Instant,
    timed_out: &dyn Fn() -> ConnectError,
) -> Result<Conn, ConnectError> {
    let port = target.hosts[0].port;
    let mut last = None;
    for address in addresses {
        let since = Instant::now();
        let shown = address.map(|a| std::net::SocketAddr::new(a, port).to_string());
        let e = match timeout_at(deadline, open(target, limits, address)).await {
            Ok(Ok((c, refused_first))) => {
                let detail = match refused_first {
                    0 => "TCP, TLS and handshake".to_string(),
                    n => format!(
                        "TCP, TLS and handshake, after {n} refusal{} in place of the greeting \
                         (ERROR 1040: even the extra SUPER slot was taken for a moment)",
                        if n == 1 { "" } else { "s" }
                    ),
                };
                attempt.record(Step::Startup, name, shown, since, None, detail);
                return Ok(c);
            }
            Ok(Err(e)) => e,
            Err(_) => {
                attempt.record(
                    Step::Startup,
                    name,
                    shown,
                    since,
                    Some(Failure::TimedOut),
                    format!(
                        "no handshake completed within the connect timeout of {}",
                        crate::units::format_duration(limits.connect_timeout)
                    ),
                );
                return Err(timed_out());
            }
        };
        let (step, failure) = phase_of(&e);
        let err = classify(&e);
        attempt.record(step, name, shown, since, Some(failure), err.message.clone());
        last = Some(err);
        if step != Step::Tcp {
            break;
        }
    }
    Err(last.unwrap_or_else(timed_out))
}

/// The server as its handshake describes it: MariaDB's version is 10 or more, MySQL's 9 or less.
fn server_info(conn: &Conn) -> ServerInfo {
    let (major, minor, patch) = conn.server_version();
    let mariadb = major >= 10;
    ServerInfo {
        engine: Engine::Mysql,
        version: format!("{major}.{minor}.{patch}{}", if mariadb { "-MariaDB" } else { "" }),
        version_num: major as u32 * 10000 + minor as u32 * 100 + patch as u32,
        mariadb,
        phases: Vec::new(),
        reused: None,
    }
}

/// The text protocol sends every value as bytes; the checks decode them.
fn values(row: mysql_async::Row) -> Vec<Value> {
    row.unwrap()
        .into_iter()
        .map(|v| match v {
            mysql_async::Value::NULL => Value::Null,
            mysql_async::Value::Bytes(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
            mysql_async::Value::Int(n) => Value::Int(n),
            mysql_async::Value::UInt(n) => Value::Int(n as i64),
            mysql_async::Value::Float(f) => Value::Float(f.into()),
            mysql_async::Value::Double(f) => Value::Float(f),
            other => Value::Text(other.as_sql(true).trim_matches('\'').to_string()),
        })
        .collect()
}

/// A plain connection with the tool's TLS rules and none of the diagnosis session's settings:
/// for `restore-check`, whose scratch database is the one thing the tool writes.
pub(crate) async fn open_for_writing(target: &Target, limits: &Limits) -> Result<Conn, ConnectError> {
    match tokio::time::timeout(limits.connect_timeout, open(target, limits, None)).await {
        Ok(result) => result.map(|(conn, _)| conn).map_err(|e| classify(&e)),
        Err(_) => Err(ConnectError::new(
            ConnectErrorKind::Timeout,
            format!(
                "no answer within the connect timeout of {}",
                crate::units::format_duration(limits.connect_timeout)
            ),
        )),
    }
}

/// One connection through the driver to `address` (the host's name when `None`: a socket),
/// with TLS per ssl-mode: PREFERRED uses TLS when the server's greeting offers it, on one
/// connection (see `mysql_greeting`); and how many times the server refused in place of its
/// greeting first.
async fn open(
    target: &Target,
    limits: &Limits,
    address: Option<std::net::IpAddr>,
) -> Result<(Conn, u32), mysql_async::Error> {
    let host = &target.hosts[0];
    if target.tls != TlsMode::Prefer || host.is_socket() {
        let conn = Conn::new(options(target, limits, address, target.tls != TlsMode::Disable)).await?;
        return Ok((conn, 0));
    }
    // PREFERRED: TLS if the server's greeting offers it, decided on the one connection.
    let to = address.map_or_else(|| host.host.clone(), |a| a.to_string());
    let greeted = super::mysql_greeting::greet(&to, host.port, limits.connect_timeout).await?;
    let loopback = Some(std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST));
    let conn = Conn::new(options(target, limits, loopback, greeted.offers_tls).tcp_port(greeted.relay_port)).await?;
    Ok((conn, greeted.refused_first))
}

fn options(target: &Target, limits: &Limits, address: Option<std::net::IpAddr>, tls: bool) -> OptsBuilder {
    let host = &target.hosts[0];
    let mut opts = OptsBuilder::default()
        .user(Some(&target.user))
        .pass(target.password.as_ref())
        .db_name(target.dbname.as_ref())
        .prefer_socket(false)
        .stmt_cache_size(0)
        // Given here, so the driver does not ask the server for them (a round trip).
        .wait_timeout(Some(limits.statement_timeout.as_secs().max(10) as usize))
        .max_allowed_packet(Some(64 << 20))
        .connect_attributes(HashMap::from([(
            "program_name".to_string(),
            APPLICATION_NAME.to_string(),
        )]));
    opts = match address {
        _ if host.is_socket() => opts.socket(Some(&host.host)),
        Some(ip) => opts.ip_or_hostname(ip.to_string()).tcp_port(host.port),
        None => opts.ip_or_hostname(&host.host).tcp_port(host.port),
    };
    if tls {
        // Connected by address, verified against the name the user gave.
        let mut ssl = SslOpts::default().with_danger_tls_hostname_override(Some(host.host.clone()));
        if let Some(ca) = &target.root_cert {
            ssl = ssl.with_root_certs(vec![ca.clone().into()]);
        }
        ssl = match target.tls {
            TlsMode::VerifyFull => ssl,
            TlsMode::VerifyCa => ssl.with_danger_skip_domain_validation(true),
            _ => ssl
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        };
        opts = opts.ssl_opts(Some(ssl));
    }
    opts
}

/// The phase a driver error belongs to, and how it failed.
fn phase_of(e: &mysql_async::Error) -> (Step, Failure) {
    use mysql_async::{Error, IoError};
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return (Step::Tls, Failure::of_tls(tls));
        }
        source = s.source();
    }
    match e {
        Error::Server(s) => (
            Step::Startup,
            match s.code {
                1040 | 1203 => Failure::TooManyClients,
                1129 => Failure::HostBlocked,
                1130 => Failure::HostNotAllowed,
                1044 | 1045 | 1698 => Failure::AccessDenied,
                1049 => Failure::UnknownDatabase,
                _ => Failure::Other,
            },
        ),
        Error::Driver(DriverError::NoClientSslFlagFromServer) => (Step::Tls, Failure::TlsRefused),
        Error::Driver(DriverError::ConnectionClosed) => (Step::Startup, Failure::LostConnection),
        Error::Io(IoError::Tls(_)) => (Step::Tls, Failure::TlsFailed),
        Error::Io(IoError::Io(io)) => match Failure::of_io(io) {
            f @ (Failure::Refused | Failure::Unreachable) => (Step::Tcp, f),
            f => (Step::Startup, f),
        },
        _ => (Step::Startup, Failure::Other),
    }
}

fn classify(e: &mysql_async::Error) -> ConnectError {
    let kind = match e {
        mysql_async::Error::Server(s) => match s.code {
            1040 | 1203 => ConnectErrorKind::ServerFull,
            1044 | 1045 | 1698 => ConnectErrorKind::Auth,
            _ => ConnectErrorKind::Other,
        },
        mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer) => ConnectErrorKind::Tls,
        mysql_async::Error::Io(io) if io.to_string().contains("certificate") || io.to_string().contains("TLS") => {
            ConnectErrorKind::Tls
        }
        mysql_async::Error::Io(io) if io.to_string().contains("timed out") => ConnectErrorKind::Timeout,
        mysql_async::Error::Io(_) => ConnectErrorKind::Unreachable,
        _ => ConnectErrorKind::Other,
    };
    let message = match e {
        mysql_async::Error::Server(s) => {
            format!("server said: ERROR {} ({}): {}", s.code, s.state, s.message)
        }
        other => other.to_string(),
    };
    ConnectError::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16) -> mysql_async::Error {
        mysql_async::Error::Server(mysql_async::ServerError {
            code,
            message: String::new(),
            state: "HY000".into(),
        })
    }

    /// The server refusals the connect check names; 1129 and 1130 are also reproduced on a real
    /// MariaDB in tests/connect.rs, 1040 in tests/pool_mysql.rs.
    #[test]
    fn server_refusals_are_put_in_the_startup_phase() {
        for (code, failure) in [
            (1040, Failure::TooManyClients),
            (1129, Failure::HostBlocked),
            (1130, Failure::HostNotAllowed),
            (1045, Failure::AccessDenied),
            (1049, Failure::UnknownDatabase),
        ] {
            assert_eq!(phase_of(&server(code)), (Step::Startup, failure), "{code}");
        }
        let refused = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::ErrorKind::ConnectionRefused.into()));
        assert_eq!(phase_of(&refused), (Step::Tcp, Failure::Refused));
        let lost = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        assert_eq!(phase_of(&lost), (Step::Startup, Failure::LostConnection));
    }
}
